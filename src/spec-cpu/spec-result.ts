/**
 * Benchmark results as the SPEC tools record them, whatever file they came
 * from: one record per iteration, with the tools' status code (S for success;
 * CE, RE, VE... for compile, run and validation errors) and whether the tools
 * selected that iteration (the median) for the reported result.
 */
import type { SpecVersion } from './spec-benchmarks.js';

export interface IterationRecord {
  /** Seconds of this iteration, undefined when it produced none ("--"). */
  seconds: number | undefined;
  status: string;
  selected: boolean;
}

export interface SpecResultFile {
  file: string;
  version?: SpecVersion;
  /** The label (CPU2017) or extension (CPU2006) the benchmarks ran with, when the file says. */
  label?: string;
  /** benchmark -> tune -> iterations, in iteration order. */
  benchmarks: Map<string, Map<string, IterationRecord[]>>;
}

export type BenchmarkOutcome =
  | { status: 'ok'; seconds: number; iterations: number[] }
  | { status: 'failed'; reason: string }
  | { status: 'missing' };

export const SUCCESS = 'S';

export function addRecord(file: SpecResultFile, benchmark: string, tune: string, record: IterationRecord): void {
  let tunes = file.benchmarks.get(benchmark);
  if (!tunes) file.benchmarks.set(benchmark, (tunes = new Map()));
  let records = tunes.get(tune);
  if (!records) tunes.set(tune, (records = []));
  records.push(record);
}

/** One benchmark's records for `tune` across several result files of the same variant. */
export function recordsFor(files: readonly SpecResultFile[], benchmark: string, tune: string): IterationRecord[] {
  return files.flatMap((f) => f.benchmarks.get(benchmark)?.get(tune) ?? []);
}

/**
 * The time to report: the iteration the tools selected, or (when none is
 * marked, e.g. in a hand-assembled file) the median, the slower of the middle
 * two for an even count as the tools do for two iterations.
 */
export function outcomeOf(records: readonly IterationRecord[]): BenchmarkOutcome {
  if (records.length === 0) return { status: 'missing' };
  const failures = [...new Set(records.filter((r) => r.status !== SUCCESS).map((r) => r.status))];
  if (failures.length > 0) return { status: 'failed', reason: failures.join(',') };
  const times = records.map((r) => r.seconds);
  if (times.some((t) => t === undefined)) return { status: 'failed', reason: 'no time recorded' };
  const iterations = times as number[];
  const selected = records.find((r) => r.selected);
  const sorted = [...iterations].sort((a, b) => a - b);
  return { status: 'ok', seconds: selected?.seconds ?? sorted[Math.floor(sorted.length / 2)]!, iterations };
}
