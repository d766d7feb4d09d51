/**
 * Who counts FPerf's events: PAPI (presets and CPU-specific native events,
 * where its perf_event component is active) or the kernel directly through
 * perf_event_open(2) (its generic hardware and software events). PAPI 7
 * switches its whole perf_event component off when libpfm4 knows no PMU
 * for the CPU — as Debian 12's libpfm4 4.13 does for AMD family 0x1a — and
 * the kernel's software events go with it, although the kernel counts them
 * fine; the kernel backend is the path beside PAPI for those machines. One
 * event set is counted by one backend.
 */
import {
  kernelCalibrateReadCost,
  kernelStartCounting,
  kernelValidateEventSet,
} from '../native/kernel-counters.js';
import {
  calibrateReadCost as papiCalibrateReadCost,
  startCounting as papiStartCounting,
  validateEventSet as papiValidateEventSet,
  type EventCounter,
  type EventSetCheck,
  type ReadCost,
} from '../native/papi.js';
import { UserError } from '../util/user-error.js';

export type CounterBackend = 'papi' | 'kernel';
/** auto: PAPI where it can count an event, else the kernel directly. */
export type BackendPreference = 'auto' | CounterBackend;

/** Forces a backend for every iprobe command (what --counters does for one). */
export const BACKEND_ENV = 'IPROBE_COUNTERS';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'papi', 'kernel'];

/** The --counters value, else $IPROBE_COUNTERS, else auto; a UserError (usage) for anything else. */
export function backendPreference(option?: string, env: NodeJS.ProcessEnv = process.env): BackendPreference {
  const [value, source] = option !== undefined ? [option, '--counters'] : [env[BACKEND_ENV], BACKEND_ENV];
  if (value === undefined || value === '') return 'auto';
  if ((PREFERENCES as readonly string[]).includes(value)) return value as BackendPreference;
  throw new UserError(`${source}: '${value}' is not a counter backend`, `use ${PREFERENCES.join(', ')}`, 2);
}

/** How the backend reads a set: for reports ("one PAPI_read costs ..."). */
export function readCallName(backend: CounterBackend): string {
  return backend === 'papi' ? 'PAPI_read' : 'read(2) of the perf group';
}

/** One line naming the backend for an operator. */
export function backendLabel(backend: CounterBackend): string {
  return backend === 'papi' ? 'PAPI' : 'the kernel (perf_event_open)';
}

/** Adds, starts, reads and stops the set once; every event that fails is named. */
export function validateEvents(backend: CounterBackend, names: readonly string[]): EventSetCheck {
  return backend === 'papi' ? papiValidateEventSet(names) : kernelValidateEventSet(names);
}

/** The median cost of one read of the set here. */
export function calibrateReadCost(backend: CounterBackend, names: readonly string[], iterations = 2001): ReadCost {
  return backend === 'papi' ? papiCalibrateReadCost(names, iterations) : kernelCalibrateReadCost(names, iterations);
}

/** A started set counting the calling thread. */
export function startCounting(backend: CounterBackend, names: readonly string[]): EventCounter {
  return backend === 'papi' ? papiStartCounting(names) : kernelStartCounting(names);
}
