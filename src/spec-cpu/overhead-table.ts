/**
 * The comparison iprobe-spec reports: per benchmark, the plain time and the
 * instrumented and coldpatched times with their ratio to plain; then the
 * geometric mean of the ratios over the benchmarks where all three succeeded.
 */
import type { SkippedBenchmark } from './spec-benchmarks.js';
import { outcomeOf, recordsFor, type BenchmarkOutcome, type SpecResultFile } from './spec-result.js';
import { VARIANTS, type VariantKey } from './spec-variants.js';

export interface OverheadRow {
  benchmark: string;
  outcomes: Record<VariantKey, BenchmarkOutcome>;
  /** Variant seconds / plain seconds, when both succeeded. */
  ratios: Partial<Record<Exclude<VariantKey, 'plain'>, number>>;
}

export interface OverheadReport {
  /** What was measured, e.g. "SPEC CPU2017 intrate, base tuning, 3 iterations of ref". */
  title: string;
  tune: string;
  rows: OverheadRow[];
  /** Geometric means of the ratios, over `geomeanOver` benchmarks. */
  geomean: Partial<Record<Exclude<VariantKey, 'plain'>, number>>;
  geomeanOver: number;
  skipped: SkippedBenchmark[];
  resultFiles: Record<VariantKey, string[]>;
}

export function buildOverheadReport(options: {
  title: string;
  tune: string;
  /** The benchmarks to report, in order; undefined: every benchmark with `tune` results in any file. */
  benchmarks?: readonly string[];
  results: Record<VariantKey, readonly SpecResultFile[]>;
  skipped?: readonly SkippedBenchmark[];
}): OverheadReport {
  const found = new Set(
    VARIANTS.flatMap((v) => options.results[v.key].flatMap((f) => [...f.benchmarks].filter(([, t]) => t.has(options.tune)).map(([b]) => b))),
  );
  const benchmarks = options.benchmarks ?? [...found].sort();
  const rows = benchmarks.map((benchmark): OverheadRow => {
    const outcomes = Object.fromEntries(
      VARIANTS.map((v) => [v.key, outcomeOf(recordsFor(options.results[v.key], benchmark, options.tune))]),
    ) as Record<VariantKey, BenchmarkOutcome>;
    const ratios: OverheadRow['ratios'] = {};
    const plain = outcomes.plain;
    for (const key of ['instr', 'cold'] as const) {
      const variant = outcomes[key];
      if (plain.status === 'ok' && variant.status === 'ok') ratios[key] = variant.seconds / plain.seconds;
    }
    return { benchmark, outcomes, ratios };
  });
  const complete = rows.filter((r) => r.ratios.instr !== undefined && r.ratios.cold !== undefined);
  const geomean: OverheadReport['geomean'] = {};
  if (complete.length > 0) {
    for (const key of ['instr', 'cold'] as const) {
      geomean[key] = Math.exp(complete.reduce((sum, r) => sum + Math.log(r.ratios[key]!), 0) / complete.length);
    }
  }
  return {
    title: options.title,
    tune: options.tune,
    rows,
    geomean,
    geomeanOver: complete.length,
    skipped: [...(options.skipped ?? [])],
    resultFiles: Object.fromEntries(VARIANTS.map((v) => [v.key, options.results[v.key].map((f) => f.file)])) as Record<
      VariantKey,
      string[]
    >,
  };
}

const seconds = (s: number) => s.toFixed(1);
const ratio = (r: number) => `${r.toFixed(3)}×`;

function cell(outcome: BenchmarkOutcome, r?: number): string {
  switch (outcome.status) {
    case 'ok':
      return r === undefined ? seconds(outcome.seconds) : `${seconds(outcome.seconds)} (${ratio(r)})`;
    case 'failed':
      return `failed (${outcome.reason})`;
    case 'missing':
      return 'missing';
  }
}

export function renderMarkdown(report: OverheadReport): string {
  const [plain, instr, cold] = VARIANTS.map((v) => v.title);
  const lines = [
    `### ${report.title}`,
    '',
    `| benchmark | ${plain} (s) | ${instr} (s) | ${cold} (s) |`,
    '|---|---:|---:|---:|',
    ...report.rows.map(
      (r) =>
        `| ${r.benchmark} | ${cell(r.outcomes.plain)} | ${cell(r.outcomes.instr, r.ratios.instr)} | ${cell(r.outcomes.cold, r.ratios.cold)} |`,
    ),
  ];
  if (report.geomeanOver > 0) {
    lines.push(
      `| geometric mean (${report.geomeanOver} benchmark${report.geomeanOver === 1 ? '' : 's'}) | | ${ratio(report.geomean.instr!)} | ${ratio(report.geomean.cold!)} |`,
    );
  }
  lines.push(
    '',
    `Seconds are the iteration the SPEC tools selected (the median); ratios are to ${plain}. ` +
      'failed (CE/RE/VE...) is the tools\' status: compile, run or validation error; missing: no result recorded.',
  );
  if (report.skipped.length > 0) {
    lines.push('', `Not built: ${report.skipped.map((s) => `${s.benchmark} (${s.reason})`).join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderCsv(report: OverheadReport): string {
  const header = ['benchmark'];
  for (const v of VARIANTS) {
    header.push(`${v.key}_seconds`, `${v.key}_status`);
    if (v.key !== 'plain') header.push(`${v.key}_ratio`);
  }
  const rows = report.rows.map((r) => {
    const fields = [r.benchmark];
    for (const v of VARIANTS) {
      const o = r.outcomes[v.key];
      fields.push(o.status === 'ok' ? String(o.seconds) : '', o.status === 'failed' ? `failed:${o.reason}` : o.status);
      if (v.key !== 'plain') fields.push(r.ratios[v.key]?.toFixed(6) ?? '');
    }
    return fields;
  });
  return `${[header, ...rows].map((fields) => fields.map(csvField).join(',')).join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderJson(report: OverheadReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
