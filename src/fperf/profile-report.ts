/** The FPerf report: per-function calls, samples and per-call counts, and the overhead of the run. */
import type { FunctionSamples } from '../runtime/fperf-table.js';
import { nameOf } from '../runtime/symbols.js';
import { formatBudget } from './budget.js';
import type { CounterBackend } from './counter-backend.js';
import type { ProfileResult } from './profile-session.js';
import { shownEventName } from './profile-events.js';

/** Functions with at least this many samples have a per-call average worth reading. */
export const WELL_SAMPLED = 10;

export interface EventAverage {
  event: string;
  /** Per sampled call, callees included. */
  inclusive: number;
  /** Per sampled call, without the nested sampled calls. */
  exclusive: number;
}

export interface FunctionProfile {
  name: string;
  address: number;
  calls: number;
  samples: number;
  /** Per-call averages, one per event (null without samples). */
  perCall: EventAverage[] | null;
}

/** Measured by running the program without FPerf too (iprobe fperf -- prog). */
export interface MeasuredRun {
  cpuNs: number;
  wallMs: number;
}

export interface OverheadReport {
  /** 'measured': the program's runs with and without FPerf; 'estimate': sampling time over the target's CPU time. */
  kind: 'measured' | 'estimate';
  /** Slowdown of the target's CPU time (0.05 = 5 %). */
  cpu: number;
  /** Slowdown of the wall time (measured), or sampling time per wall time (estimate: CPUs' worth). */
  wall: number;
  baseline?: MeasuredRun;
  profiled?: MeasuredRun;
  /** The estimate, also given with a measurement. */
  estimate: { samplingNs: number; targetCpuNs: number; cpu: number; wall: number };
}

export interface FperfReport {
  pid: number;
  command?: string[];
  events: string[];
  /** Who counted them: PAPI, or the kernel directly (perf_event_open). */
  backend: CounterBackend;
  budget: string;
  intervalMs: number;
  windowMs: number;
  probes: 'switched' | 'always-on';
  /** Present when this session injected the runtime into the process. */
  runtimeInjected?: Record<string, unknown>;
  fired?: { rule: string; afterMs: number };
  functions: { called: number; sampled: number; wellSampled: number };
  calls: number;
  samples: number;
  sampleCost: { readNs: number; chargedNs: number; measuredNs?: number };
  overhead: OverheadReport;
  runtime: {
    threadSets: number;
    threadSetFailures: number;
    lostSamples: number;
    depthDrops: number;
    readFailures: number;
    /** Samples not taken while a thread waited for the control thread to open its counters. */
    notReadyDrops: number;
    /** Counter sets opened off the runtime's control thread (in a hook): 0 unless the runtime breaks its promise. */
    offControlOpens: number;
    threadError?: string;
  };
  interrupted: boolean;
  rows: FunctionProfile[];
}

export function profileRow(f: FunctionSamples, events: readonly string[], name: string): FunctionProfile {
  return {
    name,
    address: f.address,
    calls: f.calls,
    samples: f.samples,
    perCall:
      f.samples > 0
        ? events.map((event, e) => ({ event, inclusive: f.inclusive[e]! / f.samples, exclusive: f.exclusive[e]! / f.samples }))
        : null,
  };
}

/** By the first event's estimated total (exclusive per call × calls), largest first; unsampled last. */
export function sortProfile(rows: readonly FunctionProfile[]): FunctionProfile[] {
  const total = (r: FunctionProfile) => (r.perCall ? r.perCall[0]!.exclusive * r.calls : -Infinity);
  return [...rows].sort((a, b) => total(b) - total(a) || b.calls - a.calls || (a.name < b.name ? -1 : 1));
}

export function estimateOverhead(result: Pick<ProfileResult, 'samplingNs' | 'cpuNs' | 'windowMs'>): OverheadReport['estimate'] {
  const base = Math.max(1, result.cpuNs - result.samplingNs);
  return {
    samplingNs: result.samplingNs,
    targetCpuNs: result.cpuNs,
    cpu: result.cpuNs > 0 ? result.samplingNs / base : 0,
    wall: result.windowMs > 0 ? result.samplingNs / (result.windowMs * 1e6) : 0,
  };
}

export function buildReport(result: ProfileResult, run?: { command: string[]; baseline?: MeasuredRun; profiled?: MeasuredRun }): FperfReport {
  const events = result.events.map(shownEventName);
  const rows = sortProfile(result.functions.map((f) => profileRow(f, events, nameOf(result.resolve, f.address))));
  // a program's own CPU time at exit also covers the last interval, which the daemon's clock misses
  const estimate = estimateOverhead(run?.profiled ? { ...result, cpuNs: Math.max(result.cpuNs, run.profiled.cpuNs) } : result);
  const measured = run?.baseline && run.profiled;
  const overhead: OverheadReport = measured
    ? {
        kind: 'measured',
        cpu: run.profiled!.cpuNs / run.baseline!.cpuNs - 1,
        wall: run.profiled!.wallMs / run.baseline!.wallMs - 1,
        baseline: run.baseline,
        profiled: run.profiled,
        estimate,
      }
    : { kind: 'estimate', cpu: estimate.cpu, wall: estimate.wall, estimate, ...(run?.profiled ? { profiled: run.profiled } : {}) };
  const s = result.status;
  return {
    pid: result.pid,
    ...(run ? { command: run.command } : {}),
    events,
    backend: result.backend,
    budget: formatBudget(result.budget),
    intervalMs: result.intervalMs,
    windowMs: result.windowMs,
    probes: result.probes,
    ...(result.injection ? { runtimeInjected: result.injection } : {}),
    ...(result.fired ? { fired: result.fired } : {}),
    functions: {
      called: rows.filter((r) => r.calls > 0).length,
      sampled: rows.filter((r) => r.samples > 0).length,
      wellSampled: rows.filter((r) => r.samples >= WELL_SAMPLED).length,
    },
    calls: rows.reduce((sum, r) => sum + r.calls, 0),
    samples: rows.reduce((sum, r) => sum + r.samples, 0),
    sampleCost: result.sampleCost,
    overhead,
    runtime: {
      threadSets: s.threadSets,
      threadSetFailures: s.threadSetFailures,
      lostSamples: s.lostSamples,
      depthDrops: s.depthDrops,
      readFailures: s.readFailures,
      notReadyDrops: s.notReadyDrops,
      offControlOpens: s.offControlOpens,
      ...(s.threadError ? { threadError: s.threadError } : {}),
    },
    interrupted: result.interrupted,
    rows,
  };
}
