/** Paper Figure 5.9, FPerf's budget sweep (src/bench/fperf-sweep.ts), run from the same entry point. */
import { runFperfBudgetSweep, type FperfSweepOptions } from '../fperf-sweep.js';
import type { Experiment } from './experiment.js';

/** --quick: one round on a 1 MiB corpus, the probes' own cost, one budget and no budget. */
const QUICK: FperfSweepOptions = { budgets: ['0%', '5%', 'none'], rounds: 1, corpusBytes: 1 << 20 };

export const fperfSweepExperiment: Experiment = {
  id: 'fperf-sweep',
  title: 'FPerf: overhead and coverage across budgets (paper Figure 5.9)',
  run: async (ctx) => {
    const sweep = await runFperfBudgetSweep({ ...(ctx.quick ? QUICK : {}), cacheDir: ctx.cacheDir, counters: ctx.counters, log: ctx.progress });
    const { program, command, events, backend, rows } = sweep;
    return { markdown: sweep.markdown, svg: sweep.svg, data: { program, command, events, backend, rows } };
  },
};
