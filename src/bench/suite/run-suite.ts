/**
 * `iprobe bench`: runs the experiments one after the other, each in its own
 * scratch directory, and writes every table, figure and number to a results
 * folder (and, if asked, the tables and figures to the docs).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProgressSink } from '../programs/progress.js';
import type { BenchContext, Experiment, ExperimentOutput, ExperimentReport } from './experiment.js';
import { loadAverageNow, machineFactsMarkdown, readMachineFacts, type MachineFacts } from './machine-facts.js';

export interface SuiteOptions {
  experiments: readonly Experiment[];
  quick: boolean;
  /** Results root: each run writes a new timestamped folder there and points `latest` at it. */
  outDir: string;
  /** Also write each experiment's table and figure, and the whole report, here (docs/benchmarks). */
  docsDir?: string;
  cacheDir?: string;
  counters?: BenchContext['counters'];
  /** The command as typed, for the report. */
  command: string;
  progress: ProgressSink;
}

export interface SuiteResult {
  dir: string;
  reports: ExperimentReport[];
  machine: MachineFacts;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const loadAtStart = loadAverageNow();
  const machine = await readMachineFacts();
  const reports: ExperimentReport[] = [];
  for (const experiment of options.experiments) {
    const workDir = mkdtempSync(path.join(tmpdir(), `iprobe-bench-${experiment.id}-`));
    const t0 = Date.now();
    const load0 = loadAverageNow();
    const progress: ProgressSink = (line) => options.progress(`[${experiment.id} ${elapsed(t0)}] ${line}`);
    progress(`start: ${experiment.title}`);
    try {
      const output = await experiment.run({ quick: options.quick, workDir, cacheDir: options.cacheDir, counters: options.counters, progress });
      reports.push(report(experiment, output, t0, load0));
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      progress(`failed: ${message.split('\n')[0]}`);
      const output = { markdown: `**Failed:** ${message.split('\n')[0]}\n`, data: { error: (err as Error).stack ?? message } };
      reports.push({ ...report(experiment, output, t0, load0), failed: message });
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    progress(`done in ${elapsed(t0)}`);
  }
  const load = { start: loadAtStart, end: loadAverageNow() };
  const dir = writeResults(options, machine, load, reports, (Date.now() - started) / 1000);
  return { dir, reports, machine };
}

function report(experiment: Experiment, output: ExperimentOutput, t0: number, load0: number): ExperimentReport {
  return {
    ...output,
    id: experiment.id,
    title: experiment.title,
    seconds: (Date.now() - t0) / 1000,
    loadAverage: { start: load0, end: loadAverageNow() },
  };
}

const elapsed = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function renderReport(
  options: Pick<SuiteOptions, 'quick' | 'command'>,
  machine: MachineFacts,
  load: { start: number; end: number },
  reports: readonly ExperimentReport[],
  seconds: number,
): string {
  const parts = [
    `# iprobe benchmarks${options.quick ? ' (--quick: reduced, for CI; not for quoting)' : ''}`,
    '',
    `Command: \`${options.command}\` (${Math.round(seconds)} s in all)`,
    '',
    machineFactsMarkdown(machine, load),
    '',
  ];
  for (const r of reports) {
    parts.push(
      `## ${r.title}`,
      '',
      `_${Math.round(r.seconds)} s; load average ${r.loadAverage.start.toFixed(2)} at start, ${r.loadAverage.end.toFixed(2)} at end._`,
      '',
      r.markdown.trimEnd(),
      '',
    );
    if (r.svg) parts.push(`![${r.title}](${r.id}.svg)`, '');
  }
  return `${parts.join('\n')}`;
}

function writeResults(
  options: SuiteOptions,
  machine: MachineFacts,
  load: { start: number; end: number },
  reports: readonly ExperimentReport[],
  seconds: number,
): string {
  const name = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  const dir = path.join(options.outDir, `${name}${options.quick ? '-quick' : ''}`);
  mkdirSync(dir, { recursive: true });
  const text = renderReport(options, machine, load, reports, seconds);
  writeFileSync(path.join(dir, 'README.md'), text);
  writeFileSync(
    path.join(dir, 'results.json'),
    `${JSON.stringify({ command: options.command, quick: options.quick, seconds, machine, loadAverage: load, experiments: reports }, null, 2)}\n`,
  );
  for (const r of reports) writeExperimentFiles(dir, r);
  const latest = path.join(options.outDir, 'latest');
  rmSync(latest, { force: true });
  symlinkSync(path.basename(dir), latest);
  if (options.docsDir) {
    mkdirSync(options.docsDir, { recursive: true });
    writeFileSync(path.join(options.docsDir, 'report.md'), text);
    for (const r of reports) writeExperimentFiles(options.docsDir, r);
  }
  return dir;
}

function writeExperimentFiles(dir: string, r: ExperimentReport): void {
  writeFileSync(path.join(dir, `${r.id}.md`), `## ${r.title}\n\n${r.markdown.trimEnd()}\n`);
  if (r.svg) writeFileSync(path.join(dir, `${r.id}.svg`), r.svg);
}
