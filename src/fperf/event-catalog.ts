/**
 * What this machine can count, gathered once for event selection and
 * listing: PAPI's presets and native events, and the kernel's generic events
 * probed directly; and, from both, the events FPerf serves under the
 * backend preference, each with the backend that counts it.
 */
import { kernelEvents, kernelParanoid, type KernelEvent } from '../native/kernel-counters.js';
import {
  attachProblem,
  papiComponents,
  papiHardware,
  papiNativeEvents,
  papiPresets,
  papiVersion,
  PapiError,
  type PapiComponent,
  type PapiEvent,
  type PapiHardware,
} from '../native/papi.js';
import { backendPreference, type BackendPreference, type CounterBackend } from './counter-backend.js';
import { servedEvents, type KnownEvent } from './event-selection.js';

export interface CatalogEvent extends PapiEvent {
  kind: 'preset' | 'native';
}

export interface EventCatalog {
  /** "" when PAPI could not be initialised (papiError says why). */
  papiVersion: string;
  papiError?: string;
  /**
   * Why PAPI cannot attach an event set to another thread here (FPerf's
   * runtime needs it: its control thread opens every thread's counters);
   * every PAPI event then counts as unavailable, and auto uses the kernel.
   */
  papiAttachError?: string;
  hardware: PapiHardware;
  components: PapiComponent[];
  /** PAPI's: presets first, then native events by component, in PAPI's order. */
  papiEvents: CatalogEvent[];
  /** The kernel's generic events, each opened alone here. */
  kernelEvents: KernelEvent[];
  /** /proc/sys/kernel/perf_event_paranoid (null when unreadable). */
  paranoid: number | null;
  preference: BackendPreference;
  /** The events FPerf can be asked for under the preference, each with its backend. */
  events: KnownEvent[];
  /** One line: who counts what here, and why. */
  backendNote: string;
}

export function loadEventCatalog(preference: BackendPreference = backendPreference()): EventCatalog {
  const papi = loadPapi();
  const kernel = kernelEvents();
  return {
    ...papi,
    kernelEvents: kernel,
    paranoid: kernelParanoid(),
    preference,
    events: servedEvents(papi.papiEvents, kernel, preference),
    backendNote: backendNote(papi, kernel, preference),
  };
}

type PapiPart = Pick<EventCatalog, 'papiVersion' | 'papiError' | 'papiAttachError' | 'hardware' | 'components' | 'papiEvents'>;

function loadPapi(): PapiPart {
  try {
    const presets = papiPresets().map((e): CatalogEvent => ({ ...e, kind: 'preset' }));
    const natives = papiNativeEvents().map((e): CatalogEvent => ({ ...e, kind: 'native' }));
    const components = papiComponents();
    const perfEvent = components.find((c) => c.name === 'perf_event');
    const attachError = perfEvent && !perfEvent.disabled ? attachProblem() : undefined;
    const events = [...presets, ...natives];
    return {
      papiVersion: papiVersion().text,
      hardware: papiHardware(),
      components,
      papiEvents: attachError ? events.map((e) => withoutAttach(e, attachError)) : events,
      ...(attachError ? { papiAttachError: attachError } : {}),
    };
  } catch (err) {
    if (!(err instanceof PapiError)) throw err;
    return {
      papiVersion: '',
      papiError: err.message,
      hardware: { vendor: '', model: '', cpus: 0, virtualized: false, virtualVendor: '' },
      components: [],
      papiEvents: [],
    };
  }
}

/** A PAPI event FPerf cannot use because PAPI cannot attach sets to threads here. */
export function withoutAttach(event: CatalogEvent, attachError: string): CatalogEvent {
  if (!event.available) return event;
  return { ...event, available: false, reason: `PAPI cannot attach it to another thread here (${attachError}; it needs a hardware PMU)` };
}

/** Why the events are counted by whom, for --list-events and the reports. */
export function backendNote(papi: PapiPart, kernel: readonly KernelEvent[], preference: BackendPreference): string {
  const perfEvent = papi.components.find((c) => c.name === 'perf_event');
  const kernelCount = kernel.filter((e) => e.available).length;
  const direct = `${kernelCount} of ${kernel.length} kernel events counted directly (perf_event_open)`;
  if (preference === 'kernel') return `counters forced to the kernel backend: ${direct}; PAPI not used`;
  if (papi.papiError) return `PAPI cannot be used (${papi.papiError}): ${direct}`;
  if (papi.papiAttachError) {
    const why = `PAPI cannot attach event sets to other threads here (${papi.papiAttachError}; its perf_event component checks an attach with a hardware event, and this CPU has no PMU)`;
    return preference === 'papi' ? `counters forced to PAPI, but ${why}` : `${why}: ${direct}`;
  }
  if (!perfEvent || perfEvent.disabled) {
    const why = perfEvent?.disabledReason ? `: ${explainDisabled(perfEvent.disabledReason)}` : '';
    return preference === 'papi'
      ? `counters forced to PAPI, whose perf_event component is disabled${why}`
      : `PAPI's perf_event component is disabled${why}; ${direct}`;
  }
  return preference === 'papi'
    ? 'counters forced to PAPI'
    : "PAPI's perf_event component is active: PAPI counts its presets and native events; kernel events it does not name are counted directly";
}

function explainDisabled(reason: string): string {
  return /no default PMU/i.test(reason) ? `libpfm4 knows no PMU for this CPU (${reason})` : reason;
}

export type { CounterBackend };
