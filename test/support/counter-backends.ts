/**
 * The counter backends the FPerf tests run on: each one that can count the
 * tests' software events on this machine, and for the other a skip reason
 * saying why (PAPI's perf_event component disabled, ...). Checked in this
 * process by counting, never by waiting.
 */
import { validateEvents, type CounterBackend } from '../../src/fperf/counter-backend.js';
import { loadEventCatalog } from '../../src/fperf/event-catalog.js';
import { eventsForRun } from '../../src/fperf/event-check.js';
import { profileEventName } from '../../src/fperf/profile-events.js';
import { papiComponents } from '../../src/native/papi.js';

export const SOFTWARE_EVENTS = ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'];

export interface BackendCase {
  backend: CounterBackend;
  /** Why this backend cannot count SOFTWARE_EVENTS here; undefined when it can. */
  skip?: string;
}

let cases: BackendCase[] | undefined;

export function backendCases(): BackendCase[] {
  if (cases) return cases;
  const note = loadEventCatalog('auto').backendNote;
  cases = (['papi', 'kernel'] as const).map((backend) => {
    const check = validateEvents(backend, SOFTWARE_EVENTS.map(profileEventName));
    return check.ok ? { backend } : { backend, skip: `${backend} cannot count ${SOFTWARE_EVENTS.join(', ')} here: ${check.error} (${note})` };
  });
  return cases;
}

/** The backend `iprobe fperf` chooses here for SOFTWARE_EVENTS (auto, or as $IPROBE_COUNTERS forces). */
export function defaultBackend(): CounterBackend {
  return eventsForRun(SOFTWARE_EVENTS, loadEventCatalog()).backend;
}

/** Why PAPI's perf_event component is off here (libpfm4 knowing no PMU for the CPU, ...); undefined when it is on. */
export function papiPerfEventDisabled(): string | undefined {
  const perf = papiComponents().find((c) => c.name === 'perf_event');
  if (!perf) return 'PAPI has no perf_event component';
  return perf.disabled ? `PAPI's perf_event component is disabled here: ${perf.disabledReason ?? 'no reason given'}` : undefined;
}
