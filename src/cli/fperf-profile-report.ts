/** Text output of `iprobe fperf <pid> | -- prog`: the overhead first, then the functions. */
import { backendLabel, readCallName } from '../fperf/counter-backend.js';
import { WELL_SAMPLED, type FperfReport } from '../fperf/profile-report.js';
import { formatTable } from './format-table.js';

const TIME_EVENTS = /^perf::(TASK|CPU)-CLOCK/i;

/** A per-call value: times (task-clock, cpu-clock count ns) with their unit, counts with three significant digits. */
function perCall(event: string, value: number): string {
  if (TIME_EVENTS.test(event)) {
    if (Math.abs(value) >= 1e9) return `${(value / 1e9).toFixed(2)} s`;
    if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
    if (Math.abs(value) >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
    return `${Math.round(value)} ns`;
  }
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100 || value === 0) return value.toFixed(0);
  return value.toPrecision(3);
}

const percent = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`;
const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const short = (event: string) => event.replace(/^perf::/, '');

export function formatProfileReport(r: FperfReport, limit: number): string {
  const out: string[] = [];
  const target = r.command ? `${r.command.join(' ')} (pid ${r.pid})` : `process ${r.pid}`;
  out.push(`FPerf: ${target}, ${seconds(r.windowMs)} profiled, events ${r.events.join(', ')} (counted by ${backendLabel(r.backend)})`);
  if (r.fired) out.push(`  started ${seconds(r.fired.afterMs)} after watching, when: ${r.fired.rule}`);
  const cost = r.sampleCost;
  const budget = r.budget;
  out.push(
    `  budget ${budget === 'none' ? 'none (every call sampled)' : `${budget} of the target's CPU time`}, quotas refilled every ${r.intervalMs} ms;` +
      ` a sample costs ${us(cost.chargedNs)} (${readCallName(r.backend)} ${us(cost.readNs)} here${cost.measuredNs ? `, ${us(cost.measuredNs)} per sample measured in the target` : ''})`,
  );
  out.push(
    `  ${r.functions.called} functions called, ${r.functions.sampled} sampled, ${r.functions.wellSampled} with ${WELL_SAMPLED} or more samples;` +
      ` ${r.calls.toLocaleString('en-US')} calls, ${r.samples.toLocaleString('en-US')} samples`,
  );
  const o = r.overhead;
  const e = o.estimate;
  if (o.kind === 'measured') {
    out.push(
      `  overhead, measured (the program run again without FPerf): CPU time ${percent(o.cpu)}, wall time ${percent(o.wall)}` +
        ` (${seconds(o.baseline!.cpuNs / 1e6)} → ${seconds(o.profiled!.cpuNs / 1e6)} CPU);` +
        ` estimate from the samples ${percent(e.cpu)}`,
    );
  } else {
    out.push(
      `  overhead, estimated (sampling took ${seconds(e.samplingNs / 1e6)} of the target's ${seconds(e.targetCpuNs / 1e6)} CPU time): ${percent(e.cpu)};` +
        ` ${(e.wall * 100).toFixed(2)} % of one CPU over the window`,
    );
  }
  if (r.probes === 'always-on') out.push('  the binary is not coldpatched: its hooks are all live, and their cost is in the baseline too');
  const problems = [
    r.runtime.threadSetFailures && `${r.runtime.threadSetFailures} threads could not count (${r.runtime.threadError ?? 'see the runtime'})`,
    r.runtime.lostSamples && `${r.runtime.lostSamples} samples lost (exits never came: longjmp, thread exit)`,
    r.runtime.depthDrops && `${r.runtime.depthDrops} calls not sampled: nested too deep`,
    r.runtime.readFailures && `${r.runtime.readFailures} ${readCallName(r.backend)} failures`,
    r.runtime.notReadyDrops && `${r.runtime.notReadyDrops} calls not sampled: their thread's counters were not open yet`,
    r.runtime.offControlOpens && `${r.runtime.offControlOpens} counter sets opened inside a hook (a runtime bug)`,
  ].filter(Boolean);
  if (problems.length) out.push(`  note: ${problems.join('; ')}`);
  if (r.interrupted) out.push('  interrupted: the report covers the time until then');
  out.push('');
  if (r.rows.length === 0) {
    out.push(
      r.command && r.windowMs < 50
        ? 'the program ended before its probes were on: give it more work, or start it with iprobe run and profile its pid'
        : 'no instrumented function was called during the window',
    );
    return `${out.join('\n')}\n`;
  }
  out.push(`per sampled call (incl: with callees; self: without the sampled callees), by ${short(r.events[0]!)} self × calls:`);
  const headers = ['calls', 'samples', ...r.events.flatMap((ev) => [`${short(ev)} incl`, 'self']), 'function'];
  const shown = r.rows.slice(0, limit);
  const rows = shown.map((row) => [
    row.calls,
    row.samples,
    ...(row.perCall
      ? row.perCall.flatMap((a) => [perCall(a.event, a.inclusive), perCall(a.event, a.exclusive)])
      : r.events.flatMap(() => ['-', '-'])),
    row.name,
  ]);
  out.push(formatTable(headers, rows).trimEnd());
  if (r.rows.length > shown.length) out.push(`… ${r.rows.length - shown.length} more (--limit, or -o FILE for all)`);
  return `${out.join('\n')}\n`;
}
