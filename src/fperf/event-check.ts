/**
 * Validation of an event set before a run, in this process: PAPI adds,
 * starts, reads and stops the set once, and the cost of one read is measured.
 */
import { calibrateReadCost, validateEventSet, type EventSetCheck, type ReadCost } from '../native/papi.js';
import type { EventCatalog } from './event-catalog.js';
import { chooseDefaultEvents, type DefaultEventSet } from './event-selection.js';

/** Why a check here approximates what the target can count. */
export const IN_PROCESS_CAVEAT =
  'checked in the iprobe process: a target under another user, cgroup, container or seccomp profile, ' +
  'or sharing the PMU with other perf users, may count less';

export interface EventCheckReport {
  papiVersion: string;
  events: string[];
  /** Set when the events are the default set. */
  defaultEvents?: DefaultEventSet;
  check: EventSetCheck;
  /** Measured when the set can be counted. */
  readCost?: ReadCost;
  caveat: string;
}

/** The default event set, each tier validated as a whole before it is chosen. */
export function defaultEventsFor(catalog: EventCatalog): DefaultEventSet {
  return chooseDefaultEvents(catalog, (events) => {
    const check = validateEventSet(events);
    return check.ok ? undefined : (check.error ?? 'refused');
  });
}

export function checkEventSet(events: string[], catalog: EventCatalog, defaultEvents?: DefaultEventSet): EventCheckReport {
  const check = validateEventSet(events);
  const report: EventCheckReport = { papiVersion: catalog.papiVersion, events, check, caveat: IN_PROCESS_CAVEAT };
  if (defaultEvents) report.defaultEvents = defaultEvents;
  if (check.ok) report.readCost = calibrateReadCost(events);
  return report;
}
