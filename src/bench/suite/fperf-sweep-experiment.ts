/**
 * Paper Figure 5.9, FPerf's budget sweep, run from the same entry point.
 * The sweep itself is FPerf's: `src/bench/fperf-sweep.ts` exporting
 * `runFperfBudgetSweep(options) → { rows, markdown, svg }`. Until that module
 * exists, this experiment reports "not available yet" instead of failing.
 */
import type { ProgressSink } from '../programs/progress.js';
import type { Experiment, ExperimentOutput } from './experiment.js';

export interface FperfSweepOptions {
  quick: boolean;
  workDir: string;
  cacheDir?: string;
  progress: ProgressSink;
}

export interface FperfSweepResult {
  rows: unknown[];
  markdown: string;
  svg: string;
}

type FperfSweepModule = { runFperfBudgetSweep?: (options: FperfSweepOptions) => Promise<FperfSweepResult> };

// Not a literal, so that the build does not require the module before it exists.
const SWEEP_MODULE = new URL('../fperf-sweep.js', import.meta.url);

export const fperfSweepExperiment: Experiment = {
  id: 'fperf-sweep',
  title: 'FPerf: overhead and coverage across budgets (paper Figure 5.9)',
  run: async (ctx): Promise<ExperimentOutput> => {
    const sweep = await loadSweep();
    if (typeof sweep === 'string') return { markdown: `Not available yet: ${sweep}\n`, data: { available: false, why: sweep } };
    const result = await sweep({ quick: ctx.quick, workDir: ctx.workDir, cacheDir: ctx.cacheDir, progress: ctx.progress });
    return { markdown: result.markdown, svg: result.svg, data: { rows: result.rows } };
  },
};

/** The sweep function, or why there is none. */
async function loadSweep(): Promise<NonNullable<FperfSweepModule['runFperfBudgetSweep']> | string> {
  let module: FperfSweepModule;
  try {
    module = (await import(SWEEP_MODULE.href)) as FperfSweepModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { url?: string };
    if (e.code === 'ERR_MODULE_NOT_FOUND' && (e.url === SWEEP_MODULE.href || e.message.includes(SWEEP_MODULE.pathname))) {
      return 'the FPerf budget sweep (src/bench/fperf-sweep.ts, runFperfBudgetSweep) is not in this build';
    }
    throw err;
  }
  if (typeof module.runFperfBudgetSweep !== 'function') return 'src/bench/fperf-sweep.ts does not export runFperfBudgetSweep';
  return module.runFperfBudgetSweep;
}
