/**
 * Typed wrapper of the addon's PAPI concern (libpapi, PAPI 7).
 *
 * Synchronous on purpose: a PAPI event set counts the thread that created it,
 * so validation, calibration and counters must run on the caller's thread,
 * not on a libuv worker. Each call takes milliseconds.
 */
import { loadAddon } from './load-addon.js';

export interface PapiVersion {
  major: number;
  minor: number;
  revision: number;
  increment: number;
  /** "7.0.0.0" */
  text: string;
}

export interface PapiHardware {
  vendor: string;
  model: string;
  cpus: number;
  virtualized: boolean;
  /** Hypervisor vendor ("KVMKVMKVM"); empty on bare metal. */
  virtualVendor: string;
}

export interface PapiComponent {
  index: number;
  name: string;
  description: string;
  disabled: boolean;
  disabledReason?: string;
  counters: number;
  nativeEvents: number;
}

export interface PapiEvent {
  name: string;
  description: string;
  component: string;
  /** A preset computed from several native events. */
  derived: boolean;
  /** Counted alone by a started event set in this process. */
  available: boolean;
  /** Why not, when unavailable (PAPI's error text). */
  reason?: string;
}

export interface EventCheck {
  name: string;
  ok: boolean;
  /** PAPI's error ("Event does not exist"), "no such event" or "listed twice". */
  error?: string;
}

export interface EventSetCheck {
  ok: boolean;
  /** Why the set as a whole was not started, read or stopped. */
  error?: string;
  events: EventCheck[];
  /** Counts between start and stop, one per event, when ok. */
  values: number[];
}

export interface ReadCost {
  /** Median cost of one PAPI_read of the set, timer overhead subtracted. */
  medianNs: number;
  p90Ns: number;
  minNs: number;
  timerOverheadNs: number;
  iterations: number;
}

/** A started event set counting the calling thread. */
export interface EventCounter {
  /** Current counts, one per event, since the counter was created. */
  read(): number[];
  /** Final counts; the counter cannot be read afterwards. */
  stop(): number[];
}

/** A PAPI call that failed, with PAPI's own error text and code. */
export class PapiError extends Error {
  constructor(
    message: string,
    readonly papiCode: number | undefined,
  ) {
    super(message);
    this.name = 'PapiError';
  }
}

interface PapiBinding {
  papiVersion(): PapiVersion;
  papiHardware(): PapiHardware;
  papiComponents(): PapiComponent[];
  papiPresets(): PapiEvent[];
  papiNativeEvents(): PapiEvent[];
  papiValidateEventSet(names: string[]): EventSetCheck;
  papiCalibrateReadCost(names: string[], iterations: number): ReadCost;
  papiAttachCheck(): string;
  PapiCounter: new (names: string[]) => EventCounter;
}

const binding = (): PapiBinding => loadAddon<PapiBinding>();

function papiCall<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    const code = (err as { papiCode?: unknown }).papiCode;
    if (typeof code === 'number') throw new PapiError((err as Error).message, code);
    throw err;
  }
}

/** Version of the libpapi the addon runs with. */
export function papiVersion(): PapiVersion {
  return papiCall(() => binding().papiVersion());
}

export function papiHardware(): PapiHardware {
  const hardware = papiCall(() => binding().papiHardware());
  // CPUID's 12-byte hypervisor signature is padded ("bhyve bhyve ", "KVMKVMKVM\0\0\0")
  return { ...hardware, virtualVendor: hardware.virtualVendor.replace(/\0/g, '').trim() };
}

/** PAPI's components, with the reason each disabled one gives. */
export function papiComponents(): PapiComponent[] {
  return papiCall(() => binding().papiComponents());
}

/** Every PAPI preset (PAPI_TOT_CYC, ...), available here or not. */
export function papiPresets(): PapiEvent[] {
  return papiCall(() => binding().papiPresets());
}

/** The native events of the enabled components (perf::TASK-CLOCK, ...), each probed. */
export function papiNativeEvents(): PapiEvent[] {
  return papiCall(() => binding().papiNativeEvents());
}

/**
 * Creates an event set of `names`, adds each, then starts, reads and stops it
 * once. Reports every event that cannot be added, not only the first.
 */
export function validateEventSet(names: readonly string[]): EventSetCheck {
  return papiCall(() => binding().papiValidateEventSet([...names]));
}

/**
 * undefined when PAPI can attach an event set to another thread of a
 * process (what FPerf's control thread does for every thread of the
 * target), else PAPI's reason: its perf_event component checks an attach
 * with a hardware event, so it fails where the CPU has no PMU.
 */
export function attachProblem(): string | undefined {
  return papiCall(() => binding().papiAttachCheck()) || undefined;
}

/** Cost of one PAPI_read of the event set `names` on this machine (median of `iterations`). */
export function calibrateReadCost(names: readonly string[], iterations = 2001): ReadCost {
  return papiCall(() => binding().papiCalibrateReadCost([...names], iterations));
}

/** Starts counting `names` on the calling thread; throws PapiError naming an event that cannot be added. */
export function startCounting(names: readonly string[]): EventCounter {
  const counter = papiCall(() => new (binding().PapiCounter)([...names]));
  return {
    read: () => papiCall(() => counter.read()),
    stop: () => papiCall(() => counter.stop()),
  };
}
