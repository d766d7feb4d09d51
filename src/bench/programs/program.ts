import type { SourceTree } from './fetch-source.js';
import type { Variant, VariantFlags } from './variant.js';

/** What a program's build recipe gets. */
export interface BuildContext {
  source: SourceTree;
  variant: Variant;
  flags: VariantFlags;
  /** Empty scratch directory for objects and copies of the sources; removed after the build. */
  workDir: string;
  /** Where the recipe writes its binaries, by the names in Program.binaries. */
  outDir: string;
  /** Every build command and its output go here. */
  logFile: string;
}

export type WorkloadSize = 'quick' | 'full';

export interface WorkloadOptions {
  /** quick: a second or two per run, for CI; full: for benchmarks. */
  size: WorkloadSize;
  /** Scratch directory for inputs and outputs; a fresh temporary one (removed afterwards) if omitted. */
  workDir?: string;
}

export interface WorkloadResult {
  /** Wall-clock seconds of the measured part only: the program's own runs, not input generation or checks. */
  seconds: number;
  /** The same for every variant of a program at the same size; a difference is a miscompile or a bad patch. */
  outputDigest: string;
  /** Program-specific measurements (compression ratio, requests per second per test, …). */
  details?: Record<string, number | string>;
}

/** One build's binaries by name. To run a coldpatched copy, pass its path under the same name. */
export type ProgramBinaries = Readonly<Record<string, string>>;

/** A real program from a Debian source package: how to build it and what to run it on. */
export interface Program {
  name: string;
  sourcePackage: string;
  /** One line for `list`. */
  summary: string;
  /** The binaries a build writes; the one the workload is about comes first. */
  binaries: readonly string[];
  /** Bump when build() changes: cached builds of the older recipe are then not reused. */
  recipeRevision: number;
  build(ctx: BuildContext): Promise<void>;
  /** Runs the workload; throws if the program's output is wrong. */
  run(binaries: ProgramBinaries, options: WorkloadOptions): Promise<WorkloadResult>;
}
