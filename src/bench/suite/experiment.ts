/** What every experiment of `iprobe bench` gets and gives back. */
import type { BackendPreference } from '../../fperf/counter-backend.js';
import type { ProgressSink } from '../programs/progress.js';

export interface BenchContext {
  /** The reduced version (CI): fewer programs, calls and runs. */
  quick: boolean;
  /** Scratch directory of this experiment, removed afterwards. */
  workDir: string;
  /** Root of the programs' source and build cache (src/bench/programs), if not the default. */
  cacheDir?: string;
  /** Who counts FPerf's events (--counters); undefined: $IPROBE_COUNTERS, else auto. */
  counters?: BackendPreference;
  progress: ProgressSink;
}

export interface ExperimentOutput {
  /** Tables and notes, starting below the experiment's own heading. */
  markdown: string;
  /** The experiment's figure, if it has one. */
  svg?: string;
  /** Everything measured, unrounded, for results.json. */
  data: unknown;
}

export interface Experiment {
  /** File names and --only: `programs`, `micro`, `stop-window`, `fperf-sweep`. */
  id: string;
  /** The heading, naming the paper's figure it stands for. */
  title: string;
  run(ctx: BenchContext): Promise<ExperimentOutput>;
}

export interface ExperimentReport extends ExperimentOutput {
  id: string;
  title: string;
  seconds: number;
  /** 1-minute load average when the experiment started and ended: the machine is shared. */
  loadAverage: { start: number; end: number };
  /** Set when the experiment could not complete; markdown then says why. */
  failed?: string;
}
