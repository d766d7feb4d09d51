/** `iprobe fperf --list-events`: the catalogue grouped as an operator reads it (also its JSON form). */
import type { PapiComponent, PapiHardware } from '../native/papi.js';
import type { BackendPreference, CounterBackend } from './counter-backend.js';
import type { CatalogEvent, EventCatalog } from './event-catalog.js';
import type { DefaultEventSet } from './event-selection.js';

export interface ListedEvent {
  name: string;
  description: string;
  derived?: boolean;
  available: boolean;
  reason?: string;
}

export interface ListedKernelEvent extends ListedEvent {
  aliases: string[];
  hardware: boolean;
  /** Who counts the event when FPerf is asked for it under the preference (absent when nobody can). */
  countedBy?: CounterBackend;
}

export interface EventListing {
  /** "" when PAPI could not be initialised (papiError says why). */
  papiVersion: string;
  papiError?: string;
  /** Why PAPI cannot attach sets to other threads here (its events then count as unavailable). */
  papiAttachError?: string;
  hardware: PapiHardware;
  components: PapiComponent[];
  preference: BackendPreference;
  /** Who counts what here, and why. */
  backendNote: string;
  presets: { total: number; available: number; events: ListedEvent[] };
  native: { component: string; total: number; available: number; events: ListedEvent[] }[];
  /** The kernel's generic events as perf_event_open counts them here. */
  kernel: { paranoid: number | null; total: number; available: number; events: ListedKernelEvent[] };
  /** The default event set, or why there is none. */
  defaultEvents: DefaultEventSet | { error: string };
  /** Whether unavailable events are listed too. */
  all: boolean;
}

export function eventListing(catalog: EventCatalog, defaultEvents: EventListing['defaultEvents'], all: boolean): EventListing {
  const group = <T extends { available: boolean }>(events: T[], show: (e: T) => ListedEvent) => ({
    total: events.length,
    available: events.filter((e) => e.available).length,
    events: events.filter((e) => all || e.available).map(show),
  });
  const presets = catalog.papiEvents.filter((e) => e.kind === 'preset');
  const natives = catalog.papiEvents.filter((e) => e.kind === 'native');
  const components = [...new Set(natives.map((e) => e.component))];
  const served = new Map(catalog.events.filter((e) => e.available).map((e) => [e.name.toLowerCase(), e.backend ?? 'papi']));
  const kernel = group(catalog.kernelEvents, (e): ListedKernelEvent => {
    const out: ListedKernelEvent = { name: e.name, aliases: e.aliases, description: e.description, hardware: e.hardware, available: e.available };
    const countedBy = served.get(e.name.toLowerCase());
    if (countedBy) out.countedBy = countedBy;
    if (!e.available) out.reason = e.reason ?? '';
    return out;
  });
  return {
    papiVersion: catalog.papiVersion,
    ...(catalog.papiError ? { papiError: catalog.papiError } : {}),
    ...(catalog.papiAttachError ? { papiAttachError: catalog.papiAttachError } : {}),
    hardware: catalog.hardware,
    components: catalog.components,
    preference: catalog.preference,
    backendNote: catalog.backendNote,
    presets: group(presets, listed),
    native: components.map((component) => ({ component, ...group(natives.filter((e) => e.component === component), listed) })),
    kernel: { paranoid: catalog.paranoid, ...kernel } as EventListing['kernel'],
    defaultEvents,
    all,
  };
}

function listed(e: CatalogEvent): ListedEvent {
  const out: ListedEvent = { name: e.name, description: e.description, available: e.available };
  if (e.kind === 'preset') out.derived = e.derived;
  if (!e.available) out.reason = e.reason ?? '';
  return out;
}
