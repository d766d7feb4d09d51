import type { Program, ProgramBinaries, WorkloadResult, WorkloadSize } from './program.js';

/** One contestant: a label (plain, instrumented, coldpatched, …) and the binaries to run. */
export interface Contestant {
  label: string;
  binaries: ProgramBinaries;
}

export interface ContestantTimes {
  label: string;
  seconds: number[];
  min: number;
  median: number;
  /** Relative to the first contestant (the baseline): 1.0 is as fast, 2.0 twice as slow. */
  minRatio: number;
  medianRatio: number;
}

export interface Comparison {
  program: string;
  size: WorkloadSize;
  runs: number;
  outputDigest: string;
  contestants: ContestantTimes[];
}

/**
 * Times the same workload on several builds of one program, interleaved (one
 * run of each per round, so a slow phase of a shared machine hits them all
 * alike), and checks that every run gives the first run's output digest.
 */
export async function compareRuns(
  program: Program,
  contestants: readonly Contestant[],
  options: { runs: number; size: WorkloadSize; onRun?: (label: string, round: number, result: WorkloadResult) => void },
): Promise<Comparison> {
  if (contestants.length === 0) throw new Error('compareRuns needs at least one contestant');
  const seconds = contestants.map(() => [] as number[]);
  let digest: string | undefined;
  for (let round = 0; round < options.runs; round++) {
    for (const [i, contestant] of contestants.entries()) {
      const result = await program.run(contestant.binaries, { size: options.size });
      digest ??= result.outputDigest;
      if (result.outputDigest !== digest) {
        throw new Error(`${program.name} ${contestant.label}: output digest ${result.outputDigest} differs from ${digest} (${contestants[0]!.label}, round 1)`);
      }
      seconds[i]!.push(result.seconds);
      options.onRun?.(contestant.label, round, result);
    }
  }
  const stats = seconds.map((s) => ({ min: Math.min(...s), median: median(s) }));
  return {
    program: program.name,
    size: options.size,
    runs: options.runs,
    outputDigest: digest!,
    contestants: contestants.map((c, i) => ({
      label: c.label,
      seconds: seconds[i]!,
      ...stats[i]!,
      minRatio: stats[i]!.min / stats[0]!.min,
      medianRatio: stats[i]!.median / stats[0]!.median,
    })),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
