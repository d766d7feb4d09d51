#!/usr/bin/env node
/**
 * iprobe-programs: fetch, build and run the real-program suite by hand or in a
 * CI warm-up step. Usage: node dist/bench/programs/cli.js --help
 */
import { Command, Option } from 'commander';
import { runCli } from '../../cli/run-cli.js';
import { UserError } from '../../util/user-error.js';
import { buildProgram, type BuiltProgram } from './build-program.js';
import { PROGRAMS, programByName } from './catalog/index.js';
import { compareRuns } from './compare-runs.js';
import { fetchSource } from './fetch-source.js';
import type { WorkloadSize } from './program.js';
import { parseVariant, plainVariant, variantName } from './variant.js';

const program = new Command('iprobe-programs')
  .description(
    'Real C programs from Debian source packages (apt-get source), built in controlled variants and run on fixed workloads.\n' +
      'Sources and builds are cached under $IPROBE_CACHE_DIR (default ~/.cache/iprobe).',
  )
  .option('--cache-dir <dir>', 'cache root instead of $IPROBE_CACHE_DIR or ~/.cache/iprobe')
  .addHelpText(
    'after',
    '\nVariants: O0 or O2, plus any of instrumented, cf-protection, no-plt, full-relro, no-pie, joined by +\n' +
      '(e.g. O2+instrumented+no-plt). "plain" is O2 with Debian gcc defaults (PIE, PLT, partial RELRO, no CET).',
  );

const cacheDir = (): string | undefined => program.opts<{ cacheDir?: string }>().cacheDir;
const collect = (value: string, previous: string[]): string[] => [...previous, value];

program
  .command('list')
  .description('the programs, their Debian source packages and workloads')
  .action(() => {
    for (const p of PROGRAMS) console.log(`${p.name.padEnd(8)} ${p.sourcePackage.padEnd(9)} ${p.summary}`);
  });

program
  .command('fetch')
  .description('fetch and unpack the Debian sources of the named programs (all if none)')
  .argument('[names...]')
  .action(async (names: string[]) => {
    for (const p of names.length ? names.map(programByName) : PROGRAMS) {
      const tree = await fetchSource(p.sourcePackage, { cacheDir: cacheDir() });
      console.log(`${p.name}\t${tree.version}\t${tree.dir}`);
    }
  });

program
  .command('build')
  .description('build the named programs (all if none) in each given variant; prints one line per build')
  .argument('[names...]')
  .option('--variant <variant>', 'a variant to build (repeatable)', collect, [])
  .option('--json', 'print the builds as JSON')
  .action(async (names: string[], options: { variant: string[]; json?: boolean }) => {
    const variants = options.variant.length ? options.variant.map(parseVariant) : [plainVariant];
    const builds: BuiltProgram[] = [];
    for (const p of names.length ? names.map(programByName) : PROGRAMS) {
      for (const variant of variants) {
        const built = await buildProgram(p.name, variant, { cacheDir: cacheDir() });
        builds.push(built);
        if (!options.json) {
          const how = built.cached ? `cached, built in ${built.buildSeconds.toFixed(1)} s` : `built in ${built.buildSeconds.toFixed(1)} s`;
          console.log(`${built.program}\t${built.variantName}\t${built.main}\t(${how})`);
        }
      }
    }
    if (options.json) console.log(JSON.stringify(builds, null, 2));
  });

program
  .command('run')
  .description('build if needed, then run the workload of one program and print its time and output digest')
  .argument('<name>')
  .option('--variant <variant>', 'the variant to run', 'plain')
  .addOption(new Option('--size <size>', 'workload size').choices(['quick', 'full']).default('quick'))
  .option('--runs <n>', 'how many times to run it', '1')
  .option('--binary <name=path>', 'run this file instead of the built binary NAME, e.g. a coldpatched copy (repeatable)', collect, [])
  .option('--json', 'print the results as JSON')
  .action(async (name: string, options: { variant: string; size: WorkloadSize; runs: string; binary: string[]; json?: boolean }) => {
    const target = programByName(name);
    const runs = Number(options.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UserError(`--runs must be a positive integer, not '${options.runs}'`);
    const built = await buildProgram(target.name, parseVariant(options.variant), { cacheDir: cacheDir() });
    const binaries = { ...built.binaries, ...Object.fromEntries(options.binary.map(parseBinaryOverride)) };
    for (let i = 0; i < runs; i++) {
      const result = await target.run(binaries, { size: options.size });
      if (options.json) {
        console.log(JSON.stringify({ program: target.name, variant: variantName(built.variant), size: options.size, ...result }));
      } else {
        console.log(`${target.name}\t${variantName(built.variant)}\t${options.size}\t${result.seconds.toFixed(3)} s\t${result.outputDigest}`);
      }
    }
  });

program
  .command('compare')
  .description('time the workload on several variants, interleaved; print min and median and their ratios to the first')
  .argument('<name>')
  .option('--variant <variant>', 'a variant to compare, the first is the baseline (repeatable; default: plain and instrumented)', collect, [])
  .addOption(new Option('--size <size>', 'workload size').choices(['quick', 'full']).default('quick'))
  .option('--runs <n>', 'runs of each variant', '5')
  .option('--json', 'print the comparison as JSON')
  .action(async (name: string, options: { variant: string[]; size: WorkloadSize; runs: string; json?: boolean }) => {
    const target = programByName(name);
    const runs = Number(options.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UserError(`--runs must be a positive integer, not '${options.runs}'`);
    const variants = (options.variant.length ? options.variant : ['plain', 'instrumented']).map(parseVariant);
    const contestants = [];
    for (const variant of variants) {
      const built = await buildProgram(target.name, variant, { cacheDir: cacheDir() });
      contestants.push({ label: variantName(variant), binaries: built.binaries });
    }
    const comparison = await compareRuns(target, contestants, { runs, size: options.size });
    if (options.json) {
      console.log(JSON.stringify(comparison, null, 2));
      return;
    }
    console.log(`${target.name} (${options.size}, ${runs} interleaved runs each, output ${comparison.outputDigest.slice(0, 16)}…)`);
    for (const c of comparison.contestants) {
      console.log(
        `  ${c.label.padEnd(24)} min ${c.min.toFixed(3)} s  median ${c.median.toFixed(3)} s  ` +
          `ratio min ${c.minRatio.toFixed(2)}  median ${c.medianRatio.toFixed(2)}`,
      );
    }
  });

function parseBinaryOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`--binary wants NAME=PATH, not '${text}'`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

await runCli(program);
