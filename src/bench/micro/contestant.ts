/** One way of running the empty-calls workload: a build, maybe under a tool. */
import type { Availability } from '../suite/availability.js';

export interface MicroMeasurement {
  nsPerCall: number;
  /** What the run checked or noticed, e.g. "bpftrace counted 100000 hits"; shown in the table. */
  note?: string;
}

export interface MicroContestant {
  /** Stable key for results.json. */
  id: string;
  /** The tool it stands for (iprobe, LLVM XRay, uftrace, …); "none" for the baseline. */
  tool: string;
  /** What runs, as the table shows it. */
  label: string;
  /** Probe hits per call of the empty function: 2 (entry and exit), 1 (entry only), 0 for no probe. */
  eventsPerCall: number;
  /** The call counts it is measured at; tools that cost microseconds per event get fewer calls. */
  callCounts: readonly number[];
  /** Checks the tool and sets it up; says why not when it cannot run here. */
  prepare(): Promise<Availability>;
  measure(calls: number): Promise<MicroMeasurement>;
  /** Undoes what prepare set up (probes, daemons). */
  cleanup?(): Promise<void>;
}

/** How many calls each class of tool is measured at. */
export interface CallScale {
  /** Compiled-in and binary-patching tools: nanoseconds per event. */
  cheap: readonly number[];
  /** Tracers that write every event to a file (uftrace, LTTng): about 100 ns per event plus disk. */
  recording: readonly number[];
  /** Trap-based probes (uprobes): microseconds per event. */
  trapping: readonly number[];
  /** A debugger breakpoint: a round trip to gdb per event. */
  debugger: readonly number[];
}

export const FULL_SCALE: CallScale = {
  cheap: [1e6, 1e7, 1e8],
  recording: [1e6],
  trapping: [1e5],
  debugger: [2000],
};

export const QUICK_SCALE: CallScale = {
  cheap: [1e6],
  recording: [1e5],
  trapping: [1e4],
  debugger: [200],
};
