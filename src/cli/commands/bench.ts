/** `iprobe bench`: the paper's experiments on this machine, tables and figures in a results folder. */
import path from 'node:path';
import type { Command } from 'commander';
import { programByName } from '../../bench/programs/catalog/index.js';
import { backendPreference, BACKEND_ENV } from '../../fperf/counter-backend.js';
import { EXPERIMENT_IDS, selectExperiments } from '../../bench/suite/experiments.js';
import { runSuite } from '../../bench/suite/run-suite.js';
import { asUsageError } from '../../util/user-error.js';

interface BenchFlags {
  quick?: boolean;
  only?: string;
  programs?: string;
  out: string;
  docs?: string;
  cacheDir?: string;
  counters?: string;
}

const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks (real programs, cost per probe event, stop window, FPerf sweep) and write tables and figures')
    .option('--quick', 'a reduced run (about a minute once the cache is warm): for CI, not for quoting')
    .option('--only <ids>', `comma-separated experiments to run: ${EXPERIMENT_IDS.join(', ')}`)
    .option('--programs <names>', 'comma-separated programs for the real-program experiment (default: all six; bzip2 with --quick)')
    .option('--out <dir>', 'results root: each run writes a new folder there and links results/latest to it', 'results')
    .option('--docs <dir>', 'also write the report, tables and figures here (e.g. docs/benchmarks)')
    .option('--cache-dir <dir>', 'cache of Debian sources and builds instead of $IPROBE_CACHE_DIR or ~/.cache/iprobe')
    .option('--counters <backend>', `who counts FPerf's events in the fperf-sweep: auto, papi, kernel (default: $${BACKEND_ENV}, else auto)`)
    .addHelpText(
      'after',
      `
Needs root (ptrace, uprobes) and the Debian packages of scripts/system-deps.sh (groups build, programs, bench).
Comparison tools that are missing or cannot run here are reported as "not available here: <why>".

Examples:
  iprobe bench --quick
  iprobe bench --only micro,stop-window
  iprobe bench --only fperf-sweep --counters kernel
  iprobe bench --docs docs/benchmarks`,
    )
    .action(async (flags: BenchFlags) => {
      const counters = backendPreference(flags.counters);
      const programs = list(flags.programs)?.map((name) => asUsageError(() => programByName(name).name));
      const experiments = asUsageError(() => selectExperiments(list(flags.only), { programs }));
      const started = Date.now();
      const result = await runSuite({
        experiments,
        quick: flags.quick === true,
        outDir: path.resolve(flags.out),
        docsDir: flags.docs ? path.resolve(flags.docs) : undefined,
        cacheDir: flags.cacheDir,
        counters,
        command: ['iprobe', ...process.argv.slice(2)].join(' '),
        progress: (line) => process.stderr.write(`iprobe bench ${line}\n`),
      });
      process.stdout.write(`${result.reports.map((r) => `## ${r.title}\n\n${r.markdown.trimEnd()}\n`).join('\n')}\n`);
      process.stdout.write(`results: ${result.dir} (${Math.round((Date.now() - started) / 1000)} s)\n`);
      const failed = result.reports.filter((r) => r.failed);
      if (failed.length > 0) {
        process.stderr.write(`iprobe bench: ${failed.map((r) => r.id).join(', ')} failed (see ${path.join(result.dir, 'README.md')})\n`);
        process.exitCode = 1;
      }
    });
}
