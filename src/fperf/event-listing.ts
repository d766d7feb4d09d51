/** `iprobe fperf --list-events`: the catalogue grouped as an operator reads it (also its JSON form). */
import type { PapiComponent, PapiHardware } from '../native/papi.js';
import type { CatalogEvent, EventCatalog } from './event-catalog.js';
import type { DefaultEventSet } from './event-selection.js';

export interface ListedEvent {
  name: string;
  description: string;
  derived?: boolean;
  available: boolean;
  reason?: string;
}

export interface EventListing {
  papiVersion: string;
  hardware: PapiHardware;
  components: PapiComponent[];
  presets: { total: number; available: number; events: ListedEvent[] };
  native: { component: string; total: number; available: number; events: ListedEvent[] }[];
  /** The default event set, or why there is none. */
  defaultEvents: DefaultEventSet | { error: string };
  /** Whether unavailable events are listed too. */
  all: boolean;
}

export function eventListing(catalog: EventCatalog, defaultEvents: EventListing['defaultEvents'], all: boolean): EventListing {
  const group = (events: CatalogEvent[]) => ({
    total: events.length,
    available: events.filter((e) => e.available).length,
    events: events.filter((e) => all || e.available).map((e) => listed(e)),
  });
  const presets = catalog.events.filter((e) => e.kind === 'preset');
  const natives = catalog.events.filter((e) => e.kind === 'native');
  const components = [...new Set(natives.map((e) => e.component))];
  return {
    papiVersion: catalog.papiVersion,
    hardware: catalog.hardware,
    components: catalog.components,
    presets: group(presets),
    native: components.map((component) => ({ component, ...group(natives.filter((e) => e.component === component)) })),
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
