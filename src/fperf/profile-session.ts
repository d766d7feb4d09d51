/**
 * The FPerf control daemon for one process: configure the runtime's events,
 * optionally wait for a monitoring rule to fire, switch the probes on in
 * fperf mode, refill the quotas every interval from the budget, then switch
 * the probes off and read the table.
 */
import { attachRuntimeForProfiling } from './runtime-attach.js';
import { calibrateReadCost, type CounterBackend } from './counter-backend.js';
import type { TickClock } from '../runtime/clock.js';
import { FperfControl, TargetExitedError, type FperfStatus } from '../runtime/fperf-control.js';
import type { FunctionSamples } from '../runtime/fperf-table.js';
import type { Mode } from '../runtime/layout.js';
import { RuntimeSegment } from '../runtime/segment.js';
import type { NameResolver } from '../runtime/symbols.js';
import { NameMatcher } from '../util/name-glob.js';
import { LeakyBucket, type Budget } from './budget.js';
import { CpuClock } from './cpu-clock.js';
import { Interruption } from '../util/interruption.js';
import { RuleWatch, type IntervalMetrics, type MonitoringRule } from './monitoring-rules.js';
import { probeControl, type ProbeControl } from './probe-control.js';
import { profileEventName } from './profile-events.js';
import { allocateQuotas } from './quota-allocation.js';

export interface ProfileRequest {
  pid: number;
  /** Event names (canonical). */
  events: readonly string[];
  /** Who counts them (eventsForRun chooses). */
  backend: CounterBackend;
  budget: Budget;
  intervalMs: number;
  /** Longest profiling window. */
  durationMs: number;
  /** Function globs; empty: every probe. */
  functions: readonly string[];
  probeLists?: readonly string[];
  /** Profiling starts when one fires (after at most watchTimeoutMs). */
  rules?: readonly MonitoringRule[];
  watchTimeoutMs?: number;
  /** Settles when the target ends (iprobe fperf -- prog): profiling stops there. */
  targetExit?: Promise<unknown>;
  /** Ends the window (or the watch) early, as Ctrl-C does. */
  stop?: AbortSignal;
  /** One read of the events here, if already measured (iprobe fperf -- prog does it before starting the program). */
  readCostNs?: number;
  /** Progress lines for the operator. */
  log?: (line: string) => void;
}

export interface IntervalRecord {
  /** Since profiling started. */
  atMs: number;
  cpuNs: number;
  samples: number;
  /** Sampling cost charged to the interval. */
  spentNs: number;
  /** Samples the quotas allowed for the next interval (Infinity without a budget). */
  allowed: number;
}

export interface SampleCost {
  /** One read of the set (PAPI_read, or read(2) of the perf group) in the iprobe process, median. */
  readNs: number;
  /** What the budget charges per sample: two reads plus the hooks' bookkeeping (the larger of calibrated and measured in the target). */
  chargedNs: number;
  /** Measured by the target's hooks over this session's samples (undefined before any). */
  measuredNs?: number;
}

export interface ProfileResult {
  pid: number;
  /** How the runtime was injected, when this session did it. */
  injection?: Record<string, unknown>;
  /** As counted (with the modifiers FPerf added), in report order. */
  events: string[];
  backend: CounterBackend;
  budget: Budget;
  intervalMs: number;
  /** Rows of functions called during the window (diffs from the start). */
  functions: FunctionSamples[];
  resolve: NameResolver;
  probes: ProbeControl['kind'];
  fired?: { rule: string; afterMs: number };
  windowMs: number;
  /** The target's CPU time during the window. */
  cpuNs: number;
  sampleCost: SampleCost;
  /** Hooks' time spent sampling (measured in the target) plus new threads' event sets. */
  samplingNs: number;
  intervals: IntervalRecord[];
  status: FperfStatus;
  interrupted: boolean;
  targetExited: boolean;
  clock: TickClock;
}

export function profileEvents(events: readonly string[]): string[] {
  return events.map(profileEventName);
}

/** Far more than any interval can use; quotas are int64 in the table. */
const UNLIMITED = 1e15;
/** Hook bookkeeping around the two reads (quota, frames, rows), measured at 0.05–0.2 µs here. */
const BOOKKEEPING_NS = 150;
/** Samples before the in-target measurement of their cost is trusted. */
const MEASURED_AFTER = 20;

export async function profileProcess(request: ProfileRequest): Promise<ProfileResult> {
  const log = request.log ?? (() => {});
  const injection = await attachRuntimeForProfiling(request.pid, request.probeLists, log);
  const result = await profileWithRuntime(request, log);
  return injection ? { ...result, injection } : result;
}

async function profileWithRuntime(request: ProfileRequest, log: (line: string) => void): Promise<ProfileResult> {
  const { pid } = request;
  const segment = RuntimeSegment.open(pid);
  const interruption = new Interruption(request.stop);
  try {
    const control = new FperfControl(segment);
    const probes = await probeControl(pid, request.probeLists, Number(segment.header().exeLoadBias));
    const events = profileEvents(request.events);
    try {
      await control.configure(events, request.backend);
    } catch (err) {
      // a program run under FPerf that ends first was simply too short to profile
      if (err instanceof TargetExitedError && request.targetExit) {
        const readNs = request.readCostNs ?? 0;
        return emptyResult(request, events, probes, segment, control, { readNs, chargedNs: 2 * readNs + BOOKKEEPING_NS }, false);
      }
      throw err;
    }
    const readNs = request.readCostNs ?? calibrateReadCost(request.backend, events, 501).medianNs;
    const sampleCost: SampleCost = { readNs, chargedNs: 2 * readNs + BOOKKEEPING_NS };
    const previousMode = segment.mode();

    let fired: ProfileResult['fired'];
    if (request.rules?.length) {
      fired = await watchRules(segment, probes, request, interruption, log);
      if (!fired) {
        return emptyResult(request, events, probes, segment, control, sampleCost, interruption.requested);
      }
    }
    return await profileWindow({ request, segment, control, probes, events, sampleCost, interruption, fired, previousMode, log });
  } finally {
    interruption.dispose();
    segment.close();
  }
}

interface Window {
  request: ProfileRequest;
  segment: RuntimeSegment;
  control: FperfControl;
  probes: ProbeControl;
  events: string[];
  sampleCost: SampleCost;
  interruption: Interruption;
  fired: ProfileResult['fired'];
  previousMode: Mode | `unknown(${number})`;
  log: (line: string) => void;
}

async function profileWindow(w: Window): Promise<ProfileResult> {
  const { request, segment, control, probes, sampleCost } = w;
  const clock = segment.clock();
  const start = new Map(control.samples().map((f) => [f.index, f]));
  const startStatus = control.status();
  control.beginSession();
  const cpu = new CpuClock(request.pid);
  segment.setMode('fperf');
  const unlimited = request.budget.kind === 'none';
  if (unlimited) {
    control.setInitialQuota(UNLIMITED);
    control.setQuotas(new Map(control.functions().map((f) => [f.index, UNLIMITED])));
  }
  let switchedOn = false;
  const intervals: IntervalRecord[] = [];
  let cpuTotal = 0;
  let interrupted = false;
  let targetExited = false;
  const started = performance.now();
  try {
    const on = await switchOrGone(probes, true, request.functions, request.pid);
    switchedOn = on !== 'gone';
    if (on === 'gone') targetExited = true;
    const bucket = request.budget.kind === 'fraction' ? new LeakyBucket(request.budget.fraction) : undefined;
    let previous = new Map(control.sampleCounts().map((f) => [f.index, f]));
    let setNs = startStatus.threadSetNs;
    w.log(`profiling process ${request.pid}${on && on !== 'gone' ? ` (${on.functions.length} functions)` : ''}`);
    while (!targetExited && performance.now() - started < request.durationMs) {
      const wait = Math.min(request.intervalMs, request.durationMs - (performance.now() - started));
      interrupted = await w.interruption.sleep(wait, request.targetExit);
      const cpuNs = cpu.delta();
      targetExited = cpuNs === undefined || (await settled(request.targetExit));
      cpuTotal += cpuNs ?? 0;
      if (interrupted || cpuNs === undefined || targetExited) break;
      const counts = control.sampleCounts();
      const status = control.status();
      let samples = 0;
      const candidates = counts.map((f) => {
        const before = previous.get(f.index);
        const taken = f.samples - (before?.samples ?? start.get(f.index)?.samples ?? 0);
        samples += taken;
        const calledBefore = before?.calls ?? start.get(f.index)?.calls ?? 0;
        return { index: f.index, samples: f.samples - (start.get(f.index)?.samples ?? 0), demand: f.calls - calledBefore };
      });
      updateMeasuredCost(sampleCost, control, start, clock);
      const spentNs = samples * sampleCost.chargedNs + (status.threadSetNs - setNs);
      setNs = status.threadSetNs;
      let allowed = Infinity;
      if (bucket) {
        allowed = bucket.update(cpuNs, spentNs) / sampleCost.chargedNs;
        control.setQuotas(allocateQuotas(allowed, candidates));
      } else {
        control.setQuotas(new Map(counts.map((f) => [f.index, UNLIMITED])));
      }
      const now = performance.now();
      intervals.push({ atMs: now - started, cpuNs, samples, spentNs, allowed });
      previous = new Map(counts.map((f) => [f.index, f]));
    }
  } finally {
    control.setInitialQuota(0);
    control.setQuotas(new Map(control.functions().map((f) => [f.index, 0])));
    if (switchedOn && !targetExited) await switchOrGone(probes, false, request.functions, request.pid);
    if (w.previousMode !== 'fperf' && !w.previousMode.startsWith('unknown')) segment.setMode(w.previousMode as Mode);
  }
  const windowMs = performance.now() - started;
  updateMeasuredCost(sampleCost, control, start, clock);
  const status = control.status();
  const functions = diffSamples(control.samples(), start);
  const samplingNs =
    functions.reduce((sum, f) => sum + clock.durationNs(f.sampleTicks), 0) + (status.threadSetNs - startStatus.threadSetNs);
  return {
    pid: request.pid,
    events: w.events,
    backend: request.backend,
    budget: request.budget,
    intervalMs: request.intervalMs,
    functions,
    resolve: probes.resolve,
    probes: probes.kind,
    fired: w.fired,
    windowMs,
    cpuNs: cpuTotal,
    sampleCost,
    samplingNs,
    intervals,
    status,
    interrupted,
    targetExited,
    clock,
  };
}

/** Switches probes; 'gone' when the target has exited (nothing left to switch). */
async function switchOrGone(probes: ProbeControl, on: boolean, functions: readonly string[], pid: number) {
  try {
    return await probes.switch(on, functions);
  } catch (err) {
    if (!processExists(pid)) return 'gone' as const;
    throw err;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function settled(promise: Promise<unknown> | undefined): Promise<boolean> {
  if (!promise) return false;
  const marker = Symbol('pending');
  const value = await Promise.race([promise.then(() => true, () => true), Promise.resolve(marker)]);
  return value === true;
}

function updateMeasuredCost(cost: SampleCost, control: FperfControl, start: ReadonlyMap<number, FunctionSamples>, clock: TickClock): void {
  let samples = 0;
  let ticks = 0;
  for (const f of control.samples()) {
    samples += f.samples - (start.get(f.index)?.samples ?? 0);
    ticks += f.sampleTicks - (start.get(f.index)?.sampleTicks ?? 0);
  }
  if (samples < MEASURED_AFTER) return;
  cost.measuredNs = clock.durationNs(ticks) / samples;
  cost.chargedNs = Math.max(2 * cost.readNs + BOOKKEEPING_NS, cost.measuredNs);
}

/** Rows of the functions called during the window: the table now minus the table at its start. */
export function diffSamples(now: readonly FunctionSamples[], start: ReadonlyMap<number, FunctionSamples>): FunctionSamples[] {
  const rows: FunctionSamples[] = [];
  for (const f of now) {
    const s = start.get(f.index);
    const row: FunctionSamples = s
      ? {
          ...f,
          calls: f.calls - s.calls,
          samples: f.samples - s.samples,
          sampleTicks: f.sampleTicks - s.sampleTicks,
          inclusive: f.inclusive.map((v, e) => v - s.inclusive[e]!),
          exclusive: f.exclusive.map((v, e) => v - s.exclusive[e]!),
        }
      : f;
    if (row.calls > 0 || row.samples > 0) rows.push(row);
  }
  return rows;
}

/** Count mode on the rules' functions until one rule fires; undefined on timeout, interruption or exit. */
async function watchRules(
  segment: RuntimeSegment,
  probes: ProbeControl,
  request: ProfileRequest,
  interruption: Interruption,
  log: (line: string) => void,
): Promise<ProfileResult['fired']> {
  const rules = request.rules!;
  const globs = [...new Set(rules.flatMap((r) => (r.fn ? [r.fn] : [])))];
  const matchers = new Map(globs.map((g) => [g, new NameMatcher([g])]));
  const watch = new RuleWatch(rules);
  const clock = segment.clock();
  const previousMode = segment.mode();
  segment.setMode('count');
  const switched = globs.length > 0 && probes.kind === 'switched';
  if (switched) await probes.switch(true, globs);
  const cpu = new CpuClock(request.pid);
  const totals = () => {
    const sums = new Map(globs.map((g) => [g, { calls: 0, totalNs: 0 }]));
    for (const stat of segment.functionStats()) {
      const name = probes.resolve(stat.address);
      if (!name) continue;
      for (const [glob, matcher] of matchers) {
        if (!matcher.matches(name, name)) continue;
        const sum = sums.get(glob)!;
        sum.calls += stat.calls;
        sum.totalNs += clock.durationNs(stat.totalTicks);
      }
    }
    return sums;
  };
  log(`watching process ${request.pid} until: ${rules.map((r) => r.text).join(' | ')}`);
  const started = performance.now();
  let before = totals();
  let last = started;
  try {
    for (;;) {
      if (request.watchTimeoutMs !== undefined && performance.now() - started >= request.watchTimeoutMs) return undefined;
      if (await interruption.sleep(request.intervalMs, request.targetExit)) return undefined;
      if (await settled(request.targetExit)) return undefined;
      const cpuNs = cpu.delta();
      if (cpuNs === undefined) return undefined;
      const now = performance.now();
      const after = totals();
      const functions = new Map(
        globs.map((g) => [g, { calls: after.get(g)!.calls - before.get(g)!.calls, totalNs: after.get(g)!.totalNs - before.get(g)!.totalNs }]),
      );
      const metrics: IntervalMetrics = { functions, intervalNs: (now - last) * 1e6, cpuNs };
      before = after;
      last = now;
      const rule = watch.observe(metrics);
      if (rule) {
        log(`rule fired after ${((now - started) / 1000).toFixed(1)} s: ${rule.text}`);
        return { rule: rule.text, afterMs: now - started };
      }
    }
  } finally {
    if (switched && processExists(request.pid)) await probes.switch(false, globs);
    if (processExists(request.pid) && previousMode !== 'count' && !previousMode.startsWith('unknown')) segment.setMode(previousMode as Mode);
  }
}

function emptyResult(
  request: ProfileRequest,
  events: string[],
  probes: ProbeControl,
  segment: RuntimeSegment,
  control: FperfControl,
  sampleCost: SampleCost,
  interrupted: boolean,
): ProfileResult {
  return {
    pid: request.pid,
    events,
    backend: request.backend,
    budget: request.budget,
    intervalMs: request.intervalMs,
    functions: [],
    resolve: probes.resolve,
    probes: probes.kind,
    windowMs: 0,
    cpuNs: 0,
    sampleCost,
    samplingNs: 0,
    intervals: [],
    status: control.status(),
    interrupted,
    targetExited: !processExists(request.pid),
    clock: segment.clock(),
  };
}
