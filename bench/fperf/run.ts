/**
 * FPerf's budget sweep (the paper's Figure 5.9) on bzip2 from Debian's
 * sources: writes bench/fperf/results.md and bench/fperf/budget-sweep.svg.
 *
 *   bash scripts/system-deps.sh build programs && npm run build
 *   node --import tsx bench/fperf/run.ts [--rounds 3]
 *
 * Takes about two minutes (the unlimited budget is the slow part).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runFperfBudgetSweep } from '../../src/bench/fperf-sweep.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3) || 3;
const sweep = await runFperfBudgetSweep({ rounds, log: (line) => process.stderr.write(`${line}\n`) });
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
await writeFile(here('./results.md'), sweep.markdown);
await writeFile(here('./budget-sweep.svg'), sweep.svg);
process.stdout.write(sweep.markdown);
