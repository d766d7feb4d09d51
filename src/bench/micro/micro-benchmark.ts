/**
 * Paper Figure 5.7: the cost of one probe event, measured on an empty
 * function called 10^6…10^8 times, for iprobe and every comparison tool
 * that runs here, interleaved in one run.
 */
import { median } from '../programs/compare-runs.js';
import type { Availability } from '../suite/availability.js';
import type { BenchContext, Experiment, ExperimentOutput } from '../suite/experiment.js';
import { formatMeasure, formatRatio, markdownTable } from '../suite/markdown-table.js';
import { FULL_SCALE, QUICK_SCALE, type MicroContestant } from './contestant.js';
import { buildEmptyCalls } from './empty-calls-builds.js';
import { countInstructions, type InstructionCount } from './instruction-counts.js';
import { BASELINE_ID, iprobeContestants } from './iprobe-contestants.js';
import { microFigure } from './micro-figure.js';
import { microTargets } from './micro-targets.js';
import { lttngContestant, uftraceContestant } from './tracer-contestants.js';
import { bpftraceContestant, gdbContestant, perfUprobeContestant } from './trap-contestants.js';
import { xrayContestants } from './xray-contestants.js';

export interface MicroRow {
  id: string;
  tool: string;
  label: string;
  eventsPerCall: number;
  calls: number;
  nsPerCall: number[];
  minNsPerCall: number;
  medianNsPerCall: number;
  /** (min − uninstrumented min at the same call count) / events per call. */
  nsPerEvent?: number;
  /** min / uninstrumented min at the same call count. */
  ratio: number;
  note?: string;
}

export interface ToolStatus {
  id: string;
  tool: string;
  label: string;
  status: 'measured' | 'not available' | 'failed';
  why?: string;
}

export interface MicroResults {
  rounds: number;
  rows: MicroRow[];
  tools: ToolStatus[];
  instructions: { availability: Availability; calls: readonly [number, number]; counts: InstructionCount[] };
}

const OWN_TOOLS = new Set(['none', 'gcc', 'iprobe']);

export const microExperiment: Experiment = {
  id: 'micro',
  title: 'Cost per probe event: an empty function called 10^6…10^8 times (paper Figure 5.7)',
  run: runMicroBenchmark,
};

async function runMicroBenchmark(ctx: BenchContext): Promise<ExperimentOutput> {
  const scale = ctx.quick ? QUICK_SCALE : FULL_SCALE;
  const rounds = ctx.quick ? 3 : 5;
  ctx.progress('building bench/micro/empty-calls.c: gcc plain and -finstrument-functions, coldpatched, clang -fxray-instrument');
  const builds = await buildEmptyCalls(ctx.workDir);
  const contestants: MicroContestant[] = [
    ...iprobeContestants(builds, scale),
    ...xrayContestants(builds, scale),
    uftraceContestant(builds, scale, ctx.workDir),
    lttngContestant(builds, scale, ctx.workDir),
    bpftraceContestant(builds, scale),
    perfUprobeContestant(builds, scale),
    gdbContestant(builds, scale, ctx.workDir),
  ];
  const statuses = new Map<string, ToolStatus>();
  const samples = new Map<string, { nsPerCall: number[]; note?: string }>();
  try {
    for (const c of contestants) {
      ctx.progress(`checking ${c.label}`);
      const availability = await c.prepare();
      statuses.set(c.id, {
        id: c.id,
        tool: c.tool,
        label: c.label,
        ...(availability.available ? { status: 'measured' } : { status: 'not available', why: availability.why }),
      });
    }
    const callCounts = [...new Set(contestants.flatMap((c) => c.callCounts))].sort((a, b) => a - b);
    const measured = () => contestants.filter((c) => statuses.get(c.id)!.status === 'measured');
    // Interleaved: each round runs every contestant once at each call count,
    // so a busy phase of the shared machine hits all of them alike.
    for (let round = 0; round < rounds; round++) {
      for (const calls of callCounts) {
        for (const c of measured().filter((m) => m.callCounts.includes(calls))) {
          ctx.progress(`round ${round + 1}/${rounds}, ${calls.toExponential(0)} calls: ${c.label}`);
          try {
            const m = await c.measure(calls);
            const key = `${c.id}@${calls}`;
            const entry = samples.get(key) ?? { nsPerCall: [] };
            entry.nsPerCall.push(m.nsPerCall);
            entry.note = m.note ?? entry.note;
            samples.set(key, entry);
          } catch (err) {
            // A comparison tool may fail here for reasons of its own; iprobe and the baselines may not.
            if (OWN_TOOLS.has(c.tool)) throw err;
            statuses.set(c.id, { ...statuses.get(c.id)!, status: 'failed', why: (err as Error).message.split('\n')[0] });
          }
        }
      }
    }
  } finally {
    for (const c of contestants) await c.cleanup?.().catch(() => undefined);
  }
  const rows = summarize(contestants, statuses, samples);
  const instructionCalls: readonly [number, number] = ctx.quick ? [20_000, 40_000] : [100_000, 200_000];
  ctx.progress(`counting instructions under callgrind (${instructionCalls.join(' and ')} calls)`);
  const instructions = { ...(await countInstructions(builds, instructionCalls)), calls: instructionCalls };
  const results: MicroResults = { rounds, rows, tools: [...statuses.values()], instructions };
  return { markdown: microMarkdown(results), svg: await microFigure(results), data: results };
}

function summarize(
  contestants: readonly MicroContestant[],
  statuses: Map<string, ToolStatus>,
  samples: Map<string, { nsPerCall: number[]; note?: string }>,
): MicroRow[] {
  const baseline = (calls: number) => Math.min(...samples.get(`${BASELINE_ID}@${calls}`)!.nsPerCall);
  const rows: MicroRow[] = [];
  for (const c of contestants) {
    if (statuses.get(c.id)!.status !== 'measured') continue;
    for (const calls of c.callCounts) {
      const s = samples.get(`${c.id}@${calls}`)!;
      const min = Math.min(...s.nsPerCall);
      rows.push({
        id: c.id,
        tool: c.tool,
        label: c.label,
        eventsPerCall: c.eventsPerCall,
        calls,
        nsPerCall: s.nsPerCall,
        minNsPerCall: min,
        medianNsPerCall: median(s.nsPerCall),
        ...(c.eventsPerCall > 0 ? { nsPerEvent: (min - baseline(calls)) / c.eventsPerCall } : {}),
        ratio: min / baseline(calls),
        note: s.note,
      });
    }
  }
  return rows;
}

export const callsText = (calls: number): string => (Number.isInteger(Math.log10(calls)) ? `10^${Math.log10(calls)}` : String(calls));

function microMarkdown(r: MicroResults): string {
  const table = markdownTable(
    ['what runs', 'calls', 'ns/call min', 'ns/call median', 'events/call', 'ns/event', 'ratio to uninstrumented', 'checked'],
    r.rows.map((row) => [
      row.label,
      callsText(row.calls),
      formatMeasure(row.minNsPerCall),
      formatMeasure(row.medianNsPerCall),
      row.eventsPerCall || '–',
      row.nsPerEvent === undefined ? '–' : formatMeasure(row.nsPerEvent),
      formatRatio(row.ratio),
      row.note ?? '',
    ]),
  );
  const tools = markdownTable(
    ['tool', 'what runs', 'status'],
    r.tools.map((t) => [t.tool, t.label, t.status === 'measured' ? 'measured' : `${t.status} here: ${t.why}`]),
  );
  const sections = [
    `Timed inside the program (the loop only, not start-up or a tracer's attach), ${r.rounds} interleaved runs of each. ` +
      'ns/event is the extra cost over the uninstrumented loop at the same call count, per probe hit: ' +
      'two hits per call (entry and exit) for the compiled-in hooks, XRay, uftrace and LTTng; one (entry) for uprobes and the gdb breakpoint. ' +
      'Tools that cost microseconds per event run fewer calls.',
    '',
    table,
    '### Tools',
    '',
    tools,
  ];
  if (r.instructions.availability.available) {
    sections.push(
      '### Instructions per event (callgrind)',
      '',
      `Counted by \`valgrind --tool=callgrind\` at ${r.instructions.calls.join(' and ')} calls; the difference is the loop alone. ` +
        'These do not depend on the machine\'s load. iprobe\'s "probes on" row is the instrumented build with the runtime preloaded: ' +
        'a switched-on site is the very call instruction the compiler emitted, so it runs the same instructions as a hotpatched one.',
      '',
      markdownTable(
        ['what runs', 'instructions/call', 'instructions/event'],
        r.instructions.counts.map((c) => [
          c.label,
          formatMeasure(c.instructionsPerCall),
          c.instructionsPerEvent === undefined ? '–' : formatMeasure(c.instructionsPerEvent),
        ]),
      ),
    );
  } else {
    sections.push('### Instructions per event (callgrind)', '', `Not available here: ${r.instructions.availability.why}.`, '');
  }
  sections.push('### Targets', '', microTargets(r), '');
  return sections.join('\n');
}
