#!/usr/bin/env node
/**
 * iprobe-spec: what -finstrument-functions costs on SPEC CPU, and what is left
 * after iprobe coldpatch. spec-cpu-scripts/iprobe-spec runs this file.
 */
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { UserError } from '../util/user-error.js';
import { buildOverheadReport } from './overhead-table.js';
import { executePlan, planDriverRun, printDryRun, writeReport, type DriverIo, type DriverOptions } from './spec-driver.js';
import { readCsvResult } from './spec-csv-result.js';
import { readRawResult } from './spec-raw-result.js';
import type { SpecResultFile } from './spec-result.js';
import type { VariantKey } from './spec-variants.js';

/** What commander hands the run action: DriverOptions, with the two required ones checked by hand. */
type RunFlags = Partial<Pick<DriverOptions, 'specDir' | 'suite'>> &
  Omit<DriverOptions, 'specDir' | 'suite' | 'defines' | 'force'> & { define: string[]; dryRun?: boolean; force?: boolean };

interface CollectFlags extends Record<VariantKey, string[]> {
  tune: string;
  outputDir: string;
}

const io: DriverIo = { out: (t) => process.stdout.write(t), warn: (t) => process.stderr.write(t) };

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
};
const commaList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
const repeated = (value: string, previous: string[]): string[] => [...previous, value];

const program = new Command('iprobe-spec')
  .description(
    'Build SPEC CPU2006/CPU2017 C and C++ benchmarks plain, with -finstrument-functions, and with -finstrument-functions then coldpatched; run all three; tabulate the times',
  )
  .enablePositionalOptions()
  .option('--spec-dir <dir>', 'the SPEC CPU installation (default: $SPEC)', process.env.SPEC)
  .option('--suite <suite>', 'CPU2017: intrate, fprate, intspeed, fpspeed; CPU2006: int, fp')
  .option('--tune <tune>', 'base or peak', 'base')
  .option('--iterations <n>', 'iterations of each benchmark per variant', positiveInteger, 3)
  .option('--size <size>', 'workload: test, train or ref', 'ref')
  .option('--benchmarks <list>', 'comma-separated subset: 505.mcf_r, mcf_r or 505 (default: every C/C++ benchmark of the suite)', commaList)
  .option('--base-config <file>', 'your working config in $SPEC/config, included by the generated one (default: the gcc Example config of the version)')
  .option('--config-name <name>', 'the generated config, $SPEC/config/<name>.cfg', 'iprobe-overhead')
  .option('--define <name=value>', 'passed to runcpu/runspec as --define (repeatable), e.g. gcc_dir=/usr', repeated, [])
  .option('--output-root <dir>', 'the output_root your config uses, if any (passed on; results are looked for there)')
  .option('-o, --output-dir <dir>', 'where results.md, results.csv and results.json go', 'iprobe-spec-results')
  .option('--dry-run', 'print every command (and the config) instead of running anything')
  .option('--force', 'overwrite an existing config of that name that iprobe-spec did not write')
  .addHelpText(
    'after',
    `
Examples:
  iprobe-spec --spec-dir /opt/cpu2017 --suite intrate --base-config mygcc.cfg --dry-run
  iprobe-spec --spec-dir /opt/cpu2017 --suite intrate --tune base --iterations 3 --benchmarks 505.mcf_r,557.xz_r
  iprobe-spec --spec-dir /opt/cpu2006 --suite int --base-config linux64-gcc.cfg
  iprobe-spec collect --plain a.rsf --instr b.rsf --cold c.rsf`,
  )
  .action(async (flags: RunFlags) => {
    if (!flags.specDir) throw new UserError('no SPEC directory', 'pass --spec-dir DIR (or source shrc so that $SPEC is set)');
    if (!flags.suite) throw new UserError('no suite', 'pass --suite (intrate, fprate, intspeed, fpspeed for CPU2017; int, fp for CPU2006)');
    const { specDir, suite } = flags;
    const plan = await planDriverRun({ ...flags, specDir, suite, defines: flags.define, force: flags.force === true });
    if (flags.dryRun) printDryRun(plan, io);
    else await executePlan(plan, io);
  });

program
  .command('collect')
  .description('Tabulate result files you already have: the .rsf (or .csv) files of the plain, instrumented and coldpatched runs')
  .requiredOption('--plain <files...>', 'result files of the uninstrumented build')
  .requiredOption('--instr <files...>', 'result files of the -finstrument-functions build')
  .requiredOption('--cold <files...>', 'result files of the coldpatched build')
  .option('--tune <tune>', 'base or peak', 'base')
  .option('-o, --output-dir <dir>', 'where results.md, results.csv and results.json go', 'iprobe-spec-results')
  .action(async (flags: CollectFlags) => {
    const read = (files: string[]): Promise<SpecResultFile[]> =>
      Promise.all(files.map((f) => (path.extname(f) === '.csv' ? readCsvResult(f) : readRawResult(f))));
    const results = { plain: await read(flags.plain), instr: await read(flags.instr), cold: await read(flags.cold) };
    const report = buildOverheadReport({ title: `iprobe-spec: ${flags.tune} tuning`, tune: flags.tune, results });
    if (report.rows.length === 0) throw new UserError(`no ${flags.tune} results in those files`);
    await writeReport(report, flags.outputDir, io);
  });

await runCli(program);
