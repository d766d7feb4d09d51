/**
 * Validation of an event set before a run, in this process: the backend
 * adds, starts, reads and stops the set once, and the cost of one read is
 * measured. Also the events a run counts, resolved and checked up front, so
 * that a bad name is one line before anything touches the target.
 */
import type { EventSetCheck, ReadCost } from '../native/papi.js';
import { calibrateReadCost, validateEvents, type CounterBackend } from './counter-backend.js';
import type { EventCatalog } from './event-catalog.js';
import {
  canonicalEventNames,
  chooseDefaultEvents,
  eventSetBackend,
  eventSetError,
  splitEventList,
  type DefaultEventSet,
} from './event-selection.js';
import { profileEventName } from './profile-events.js';

/** Why a check here approximates what the target can count. */
export const IN_PROCESS_CAVEAT =
  'checked in the iprobe process: a target under another user, cgroup, container or seccomp profile, ' +
  'or sharing the PMU with other perf users, may count less';

export interface EventCheckReport {
  /** "" when PAPI could not be initialised. */
  papiVersion: string;
  backend: CounterBackend;
  /** Who counts what here, and why. */
  backendNote: string;
  events: string[];
  /** Set when the events are the default set. */
  defaultEvents?: DefaultEventSet;
  check: EventSetCheck;
  /** Measured when the set can be counted. */
  readCost?: ReadCost;
  caveat: string;
}

/** The default event set, each tier validated as a whole (by its backend) before it is chosen. */
export function defaultEventsFor(catalog: EventCatalog): DefaultEventSet {
  return chooseDefaultEvents(catalog, (events, backend) => {
    const check = validateEvents(backend, events);
    return check.ok ? undefined : (check.error ?? 'refused');
  });
}

export function checkEventSet(events: string[], catalog: EventCatalog, defaultEvents?: DefaultEventSet): EventCheckReport {
  const backend = defaultEvents?.backend ?? eventSetBackend(events, catalog);
  const check = validateEvents(backend, events);
  const report: EventCheckReport = {
    papiVersion: catalog.papiVersion,
    backend,
    backendNote: catalog.backendNote,
    events,
    check,
    caveat: IN_PROCESS_CAVEAT,
  };
  if (defaultEvents) report.defaultEvents = defaultEvents;
  if (check.ok) report.readCost = calibrateReadCost(backend, events);
  return report;
}

export interface RunEvents {
  /** Canonical names, as the report shows them. */
  events: string[];
  backend: CounterBackend;
  defaultEvents?: DefaultEventSet;
}

/**
 * The events a profiling run counts: `spec` (comma-separated, or a list)
 * resolved against the catalogue, else the default set; validated here as
 * the target will count them, so that an unknown or uncountable event is a
 * UserError naming what is available, not a failure inside the target.
 */
export function eventsForRun(spec: string | readonly string[] | undefined, catalog: EventCatalog): RunEvents {
  if (spec === undefined) {
    const defaultEvents = defaultEventsFor(catalog);
    return { events: defaultEvents.events, backend: defaultEvents.backend, defaultEvents };
  }
  const events = canonicalEventNames(typeof spec === 'string' ? splitEventList(spec) : spec, catalog);
  const backend = eventSetBackend(events, catalog);
  const check = validateEvents(backend, events.map(profileEventName));
  if (!check.ok) throw eventSetError({ ...check, events: check.events.map((e, i) => ({ ...e, name: events[i]! })) }, catalog);
  return { events, backend };
}
