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
    if (!check.ok) return { backend, skip: `${backend} cannot count ${SOFTWARE_EVENTS.join(', ')} here: ${check.error} (${note})` };
    const attach = backend === 'papi' ? papiAttachUnavailable() : undefined;
    return attach ? { backend, skip: attach } : { backend };
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

/**
 * Why the runtime cannot attach PAPI event sets to the target's threads
 * here; undefined when it can. The runtime's control thread makes each
 * thread's set with PAPI_attach (never in a hook), and PAPI's perf_event
 * component checks an attach by opening a hardware instructions event for
 * the thread: without a PMU that fails (PAPI_ENOEVNT), software events or not.
 */
export function papiAttachUnavailable(): string | undefined {
  const instructions = validateEvents('kernel', ['perf::INSTRUCTIONS']);
  return instructions.ok
    ? undefined
    : `papi cannot attach event sets to the target's threads here: PAPI_attach checks with a hardware instructions event, and perf::INSTRUCTIONS cannot be counted (${instructions.error})`;
}
