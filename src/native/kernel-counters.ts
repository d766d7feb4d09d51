/**
 * Typed wrapper of the addon's kernel counter backend: the kernel's generic
 * events (perf::TASK-CLOCK, perf::CYCLES, ...) opened with perf_event_open(2)
 * itself, where PAPI cannot count them. Synchronous for the same reason as
 * PAPI's wrapper: a group counts the thread that opened it.
 */
import { loadAddon } from './load-addon.js';
import type { EventCounter, EventSetCheck, ReadCost } from './papi.js';

export interface KernelEvent {
  /** Canonical, as libpfm4's perf PMU spells it: "perf::TASK-CLOCK". */
  name: string;
  /** Other accepted spellings, with the perf:: prefix ("perf::CS"). */
  aliases: string[];
  description: string;
  /** Needs a hardware PMU (cycles, instructions, caches). */
  hardware: boolean;
  /** Opened, enabled and read alone in this process. */
  available: boolean;
  /** Why not, when unavailable (the errno text, with what it means here). */
  reason?: string;
}

/** A perf_event_open or read that failed, with its errno. */
export class KernelCounterError extends Error {
  constructor(
    message: string,
    readonly errno: number | undefined,
  ) {
    super(message);
    this.name = 'KernelCounterError';
  }
}

interface KernelBinding {
  kernelEvents(): KernelEvent[];
  kernelValidateEventSet(names: string[]): EventSetCheck;
  kernelCalibrateReadCost(names: string[], iterations: number): ReadCost;
  kernelParanoid(): number | null;
  KernelCounter: new (names: string[]) => EventCounter;
}

const binding = (): KernelBinding => loadAddon<KernelBinding>();

function kernelCall<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    const errno = (err as { counterErrno?: unknown }).counterErrno;
    if (typeof errno === 'number') throw new KernelCounterError((err as Error).message, errno);
    throw err;
  }
}

/** Every event of the kernel table, each probed alone here. */
export function kernelEvents(): KernelEvent[] {
  return binding().kernelEvents();
}

/** /proc/sys/kernel/perf_event_paranoid; null when unreadable. */
export function kernelParanoid(): number | null {
  return binding().kernelParanoid();
}

/** Parses and opens each name alone (so that every bad one is named), then the set as one group. */
export function kernelValidateEventSet(names: readonly string[]): EventSetCheck {
  return binding().kernelValidateEventSet([...names]);
}

/** Cost of one read(2) of the group `names` (median of `iterations`). */
export function kernelCalibrateReadCost(names: readonly string[], iterations = 2001): ReadCost {
  return kernelCall(() => binding().kernelCalibrateReadCost([...names], iterations));
}

/** Starts counting `names` on the calling thread; throws KernelCounterError naming an event that cannot be opened. */
export function kernelStartCounting(names: readonly string[]): EventCounter {
  const counter = kernelCall(() => new (binding().KernelCounter)([...names]));
  return {
    read: () => kernelCall(() => counter.read()),
    stop: () => kernelCall(() => counter.stop()),
  };
}
