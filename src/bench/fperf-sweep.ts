/**
 * FPerf's budget sweep (the iProbe paper's Figure 5.9): one real program from
 * Debian's sources, built with -finstrument-functions and coldpatched, every
 * function selected, run under budgets from none to unlimited. For each: the
 * program's CPU time against its runs with the probes off, and how many
 * functions FPerf captured. Rounds interleave the budgets so that load from
 * other jobs falls on all of them alike; medians are reported.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coldpatch } from '../coldpatch/coldpatch.js';
import { parseBudget } from '../fperf/budget.js';
import { backendLabel, type BackendPreference, type CounterBackend } from '../fperf/counter-backend.js';
import { loadEventCatalog } from '../fperf/event-catalog.js';
import { eventsForRun } from '../fperf/event-check.js';
import { profileProgram, runWithoutFperf } from '../fperf/profile-program.js';
import { WELL_SAMPLED } from '../fperf/profile-report.js';
import { buildProgram } from './programs/build-program.js';
import { generateCorpus } from './programs/corpus.js';
import { instrumentedVariant } from './programs/variant.js';

export interface FperfSweepOptions {
  /** Budgets besides the probes-off baseline; '0%' is the probes' own cost (first samples only). */
  budgets?: readonly string[];
  /** Interleaved rounds (median taken). */
  rounds?: number;
  /** bzip2 -9 compresses a generated corpus of this many bytes. */
  corpusBytes?: number;
  events?: readonly string[];
  /** Counter backend preference (default: --counters' default, $IPROBE_COUNTERS or auto). */
  counters?: BackendPreference;
  intervalMs?: number;
  /** Cache of Debian sources and builds (default: $IPROBE_CACHE_DIR or ~/.cache/iprobe). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface FperfSweepRow {
  budget: string;
  /** Median CPU seconds of the program's runs. */
  cpuSeconds: number;
  /** Against the probes-off runs (0.05 = 5 % slower). */
  slowdown: number;
  /** Against the runs with the probes on and no samples beyond the first ones (budget 0%): FPerf's sampling alone. */
  samplingSlowdown: number | null;
  samples: number;
  functionsCalled: number;
  functionsSampled: number;
  /** With at least WELL_SAMPLED samples: a per-call average worth reading. */
  functionsWellSampled: number;
}

export interface FperfSweep {
  program: string;
  command: string;
  events: string[];
  /** Who counted them. */
  backend: CounterBackend;
  rows: FperfSweepRow[];
  markdown: string;
  svg: string;
}

export const DEFAULT_BUDGETS = ['0%', '1%', '2%', '5%', '10%', 'none'] as const;
const EVENTS = ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runFperfBudgetSweep(options: FperfSweepOptions = {}): Promise<FperfSweep> {
  const budgets = options.budgets ?? DEFAULT_BUDGETS;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? (() => {});
  const { events, backend } = eventsForRun(options.events ?? EVENTS, loadEventCatalog(options.counters));
  log(`counting ${events.join(', ')} with ${backendLabel(backend)}`);
  const built = await buildProgram('bzip2', instrumentedVariant, { cacheDir: options.cacheDir, progress: (line: string) => log(line) });
  const dir = await mkdtemp(path.join(tmpdir(), 'iprobe-fperf-sweep-'));
  try {
    const binary = path.join(dir, 'bzip2');
    await copyFile(built.main, binary);
    const patched = await coldpatch({ input: binary });
    const corpus = path.join(dir, 'corpus.txt');
    await writeFile(corpus, generateCorpus(options.corpusBytes ?? 4 << 20));
    const command = [patched.output!, '-9', '-c', corpus];
    const cpu = new Map<string, number[]>([['off', []], ...budgets.map((b): [string, number[]] => [b, []])]);
    const captured = new Map<string, Omit<FperfSweepRow, 'budget' | 'cpuSeconds' | 'slowdown' | 'samplingSlowdown'>>();
    for (let round = 0; round < rounds; round++) {
      const plain = await runWithoutFperf(command);
      if (!plain) throw new Error('bzip2 ended without its runtime recording its CPU time');
      cpu.get('off')!.push(plain.cpuNs);
      for (const budget of budgets) {
        const runs = await profileProgram(
          command,
          {
            events,
            backend,
            budget: parseBudget(budget),
            intervalMs: options.intervalMs ?? 100,
            durationMs: Infinity,
            functions: [],
          },
          { baseline: false, quiet: true },
        );
        if (!runs.profiled) throw new Error(`bzip2 under budget ${budget} ended without its runtime recording its CPU time`);
        cpu.get(budget)!.push(runs.profiled.cpuNs);
        const f = runs.result.functions;
        captured.set(budget, {
          samples: f.reduce((sum, row) => sum + row.samples, 0),
          functionsCalled: f.filter((row) => row.calls > 0).length,
          functionsSampled: f.filter((row) => row.samples > 0).length,
          functionsWellSampled: f.filter((row) => row.samples >= WELL_SAMPLED).length,
        });
        log(`round ${round + 1}/${rounds}, budget ${budget}: ${(runs.profiled.cpuNs / 1e9).toFixed(2)} s CPU (probes off ${(plain.cpuNs / 1e9).toFixed(2)} s)`);
      }
    }
    const off = median(cpu.get('off')!);
    const floor = cpu.has('0%') ? median(cpu.get('0%')!) : undefined;
    const rows: FperfSweepRow[] = [
      { budget: 'probes off', cpuSeconds: off / 1e9, slowdown: 0, samplingSlowdown: null, samples: 0, functionsCalled: 0, functionsSampled: 0, functionsWellSampled: 0 },
      ...budgets.map((budget) => {
        const c = median(cpu.get(budget)!);
        return { budget, cpuSeconds: c / 1e9, slowdown: c / off - 1, samplingSlowdown: floor ? c / floor - 1 : null, ...captured.get(budget)! };
      }),
    ];
    const shown = `bzip2 -9 -c corpus (${((options.corpusBytes ?? 4 << 20) / (1 << 20)).toFixed(0)} MiB), ${built.program} ${built.version} ${built.variantName}, coldpatched, every function selected`;
    const counted = `${shown}; ${events.join(', ')} counted by ${backendLabel(backend)}`;
    return { program: 'bzip2', command: shown, events, backend, rows, markdown: sweepMarkdown(rows, counted, rounds), svg: sweepSvg(rows, shown) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pct = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`);

export function sweepMarkdown(rows: readonly FperfSweepRow[], command: string, rounds: number): string {
  const lines = [
    `${command}; median CPU time of ${rounds} interleaved rounds.`,
    '',
    '| budget | CPU time | slowdown vs probes off | vs probes on, no sampling (0%) | samples | functions called | sampled | ≥ 10 samples |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.budget === 'probes off'
        ? `| probes off | ${r.cpuSeconds.toFixed(3)} s | – | – | – | – | – | – |`
        : `| ${r.budget} | ${r.cpuSeconds.toFixed(3)} s | ${pct(r.slowdown)} | ${pct(r.samplingSlowdown)} | ${r.samples.toLocaleString('en-US')} | ${r.functionsCalled} | ${r.functionsSampled} | ${r.functionsWellSampled} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Two bar charts side by side: slowdown (log scale: "none" is far larger) and functions captured. */
export function sweepSvg(rows: readonly FperfSweepRow[], command: string): string {
  const data = rows.filter((r) => r.budget !== 'probes off');
  const width = 760;
  const height = 340;
  const panel = { top: 50, bottom: 280, width: 320 };
  const lefts = [60, 430];
  const barWidth = panel.width / data.length - 12;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(`FPerf budget sweep: ${command}`)}</text>`,
  ];
  const slowdowns = data.map((r) => Math.max(r.slowdown, 0.001));
  const maxLog = Math.log10(Math.max(...slowdowns) * 100);
  const yLog = (x: number) => panel.bottom - (Math.max(0, Math.log10(x * 100) + 1) / (maxLog + 1)) * (panel.bottom - panel.top);
  const maxFunctions = Math.max(...data.map((r) => r.functionsCalled), 1);
  const yLin = (n: number) => panel.bottom - (n / maxFunctions) * (panel.bottom - panel.top);
  const titles = ['CPU-time slowdown vs probes off (log scale)', 'functions: sampled (light), ≥ 10 samples (dark)'];
  lefts.forEach((left, p) => {
    parts.push(`<text x="${left + panel.width / 2}" y="40" text-anchor="middle">${titles[p]}</text>`);
    parts.push(`<line x1="${left}" y1="${panel.bottom}" x2="${left + panel.width}" y2="${panel.bottom}" stroke="black"/>`);
    parts.push(`<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${panel.bottom}" stroke="black"/>`);
  });
  for (const tick of [0.01, 0.1, 1, 10, 100]) {
    if (Math.log10(tick * 100) > maxLog + 0.01) continue;
    const y = yLog(tick);
    parts.push(`<line x1="${lefts[0]! - 4}" y1="${y}" x2="${lefts[0]! + panel.width}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${lefts[0]! - 6}" y="${y + 4}" text-anchor="end">${tick * 100 >= 1 ? `${tick * 100}%` : `${(tick * 100).toFixed(0)}%`}</text>`);
  }
  for (const tick of [0, Math.round(maxFunctions / 2), maxFunctions]) {
    const y = yLin(tick);
    parts.push(`<line x1="${lefts[1]! - 4}" y1="${y}" x2="${lefts[1]! + panel.width}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${lefts[1]! - 6}" y="${y + 4}" text-anchor="end">${tick}</text>`);
  }
  data.forEach((r, i) => {
    const x0 = lefts[0]! + 6 + i * (barWidth + 12);
    const x1 = lefts[1]! + 6 + i * (barWidth + 12);
    const y = yLog(Math.max(r.slowdown, 0.001));
    parts.push(`<rect x="${x0}" y="${y}" width="${barWidth}" height="${panel.bottom - y}" fill="#4477aa"/>`);
    parts.push(`<text x="${x0 + barWidth / 2}" y="${y - 4}" text-anchor="middle" font-size="10">${esc(pct(r.slowdown))}</text>`);
    const ys = yLin(r.functionsSampled);
    const yw = yLin(r.functionsWellSampled);
    parts.push(`<rect x="${x1}" y="${ys}" width="${barWidth}" height="${panel.bottom - ys}" fill="#aaccee"/>`);
    parts.push(`<rect x="${x1}" y="${yw}" width="${barWidth}" height="${panel.bottom - yw}" fill="#225588"/>`);
    parts.push(`<text x="${x1 + barWidth / 2}" y="${yw - 4}" text-anchor="middle" font-size="10">${r.functionsWellSampled}</text>`);
    for (const x of [x0, x1]) parts.push(`<text x="${x + barWidth / 2}" y="${panel.bottom + 16}" text-anchor="middle">${esc(r.budget)}</text>`);
  });
  parts.push(`<text x="${width / 2}" y="${panel.bottom + 40}" text-anchor="middle">budget (0%: probes on, first samples only; none: every call sampled)</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
