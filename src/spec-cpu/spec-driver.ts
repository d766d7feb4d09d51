/**
 * iprobe-spec's run: write the config, build the three variants (the cold
 * one coldpatched by its build_post_bench), check the builds, run each variant
 * with --nobuild, then read the raw result files the runs wrote and tabulate.
 * A dry run prints the same steps as shell commands and comments instead.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../native/load-addon.js';
import { packageVersion } from '../util/package-version.js';
import { UserError } from '../util/user-error.js';
import { describeFsError } from '../util/fs-errors.js';
import { selectBenchmarks, VERSION_NAMES, type SkippedBenchmark, type SpecBenchmark } from './spec-benchmarks.js';
import { verifyBuilds } from './build-verification.js';
import { CONFIG_MARKER, DEFAULT_BASE_CONFIG, generateSpecConfig } from './spec-config.js';
import { buildOverheadReport, renderCsv, renderJson, renderMarkdown, type OverheadReport } from './overhead-table.js';
import { readRawResult } from './spec-raw-result.js';
import type { SpecResultFile } from './spec-result.js';
import { runnerCommandLine, runRunner } from './spec-runner.js';
import { labelOption, openSpecTree, resultDir, type SpecTree } from './spec-tree.js';
import { VARIANTS, type Variant, type VariantKey } from './spec-variants.js';

export interface DriverOptions {
  specDir: string;
  suite: string;
  tune: string;
  iterations: number;
  size: string;
  benchmarks?: string[];
  baseConfig?: string;
  configName: string;
  defines: string[];
  outputDir: string;
  outputRoot?: string;
  force: boolean;
}

export interface RunnerCall {
  variant: Variant;
  args: string[];
}

export interface DriverPlan {
  tree: SpecTree;
  options: DriverOptions;
  selected: SpecBenchmark[];
  skipped: SkippedBenchmark[];
  configPath: string;
  configText: string;
  builds: RunnerCall[];
  runs: RunnerCall[];
}

export interface DriverIo {
  out: (text: string) => void;
  warn: (text: string) => void;
}

const HOOK_SCRIPT = path.join(projectRoot, 'dist', 'spec-cpu', 'coldpatch-hook.js');

/** What the cold build's hook needs: the compiled hook and coldpatch, and the native addon coldpatch loads. */
export function checkIprobeBuilt(root = projectRoot): void {
  const needed = [
    path.join(root, 'dist', 'spec-cpu', 'coldpatch-hook.js'),
    path.join(root, 'dist', 'coldpatch', 'coldpatch.js'),
    path.join(root, 'build', 'Release', 'iprobe.node'),
  ];
  const missing = needed.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new UserError(`iprobe is not built: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`, `run 'npm ci' (or 'npm run build') in ${root}`);
  }
}

export async function planDriverRun(options: DriverOptions): Promise<DriverPlan> {
  checkIprobeBuilt();
  const tree = openSpecTree(options.specDir, options.outputRoot);
  if (options.tune !== 'base' && options.tune !== 'peak') throw new UserError(`unknown tune '${options.tune}'`, 'use base or peak');
  if (!/^[\w.+-]+$/.test(options.configName)) throw new UserError(`config name '${options.configName}' is not a plain file name`);
  const { selected, skipped } = selectBenchmarks(tree.version, options.suite, options.benchmarks);

  const baseConfig = options.baseConfig ?? DEFAULT_BASE_CONFIG[tree.version];
  const configPath = path.join(tree.configDir, `${options.configName}.cfg`);
  const basePath = path.resolve(tree.configDir, baseConfig);
  if (!existsSync(basePath)) {
    throw new UserError(
      `base config ${baseConfig} not found in ${tree.configDir}`,
      'pass the config you build SPEC with: --base-config NAME.cfg (its compilers and portability flags are used for all three variants)',
    );
  }
  if (basePath === configPath) throw new UserError(`the base config cannot be the generated ${configPath}`, 'choose another --config-name');
  if (existsSync(configPath) && !options.force) {
    const first = (await readFile(configPath, 'utf8')).split('\n', 1)[0] ?? '';
    if (!first.startsWith(CONFIG_MARKER)) {
      throw new UserError(`${configPath} exists and was not written by iprobe-spec`, 'choose another --config-name, or pass --force to overwrite it');
    }
  }
  const configText = generateSpecConfig({
    version: tree.version,
    baseConfig,
    hookArgv: [process.execPath, HOOK_SCRIPT],
    toolVersion: packageVersion(),
  });

  const common = (variant: Variant) => [
    `--config=${options.configName}`,
    `${labelOption(tree)}=${variant.label}`,
    `--tune=${options.tune}`,
    ...(options.outputRoot ? [`--output_root=${tree.outputRoot}`] : []),
    ...options.defines.map((d) => `--define=${d}`),
    '--noreportable',
  ];
  const names = selected.map((b) => b.name);
  return {
    tree,
    options,
    selected,
    skipped,
    configPath,
    configText,
    builds: VARIANTS.map((variant) => ({ variant, args: [...common(variant), '--action=build', ...names] })),
    runs: VARIANTS.map((variant) => ({
      variant,
      args: [
        ...common(variant),
        '--action=run',
        '--nobuild',
        `--iterations=${options.iterations}`,
        `--size=${options.size}`,
        '--output_format=text,csv',
        ...names,
      ],
    })),
  };
}

function reportTitle(plan: DriverPlan): string {
  const o = plan.options;
  return `iprobe-spec: ${VERSION_NAMES[plan.tree.version]} ${o.suite}, ${o.tune} tuning, ${o.iterations} iteration${o.iterations === 1 ? '' : 's'} of ${o.size}`;
}

function outputFiles(dir: string) {
  return { md: path.join(dir, 'results.md'), csv: path.join(dir, 'results.csv'), json: path.join(dir, 'results.json') };
}

export function printDryRun(plan: DriverPlan, io: DriverIo): void {
  const { tree, options } = plan;
  const results = resultDir(tree);
  const files = outputFiles(path.resolve(options.outputDir));
  io.out(`# ${reportTitle(plan)} (dry run: nothing is written or run)\n`);
  io.out(`# benchmarks: ${plan.selected.map((b) => b.name).join(' ')}\n`);
  if (plan.skipped.length > 0) io.out(`# not built: ${plan.skipped.map((s) => `${s.benchmark} (${s.reason})`).join(', ')}\n`);
  io.out(`\n# 1. the config (the cold label coldpatches in build_post_bench)\ncat > ${plan.configPath} <<'IPROBE_SPEC_CONFIG'\n${plan.configText}IPROBE_SPEC_CONFIG\n`);
  io.out('\n# 2. build the three variants\n');
  for (const call of plan.builds) io.out(`${runnerCommandLine(tree, call.args)}\n`);
  io.out(
    `\n# 3. check the builds: ${VARIANTS[0].label} executables do not reference __cyg_profile_func_enter, ` +
      `${VARIANTS[1].label} ones do, and each <exe>_${options.tune}.${VARIANTS[2].label} matches the sha256 of its <exe>.probes.json\n`,
  );
  io.out('\n# 4. run them\n');
  for (const call of plan.runs) io.out(`${runnerCommandLine(tree, call.args)}\n`);
  io.out(`\n# 5. read the .rsf each run adds to ${results} and write ${files.md}, ${files.csv}, ${files.json}\n`);
}

export async function executePlan(plan: DriverPlan, io: DriverIo): Promise<OverheadReport> {
  const { tree, options } = plan;
  await writeFile(plan.configPath, plan.configText).catch((err: unknown) => {
    throw describeFsError(err, `cannot write ${plan.configPath}`);
  });
  io.warn(`iprobe-spec: wrote ${plan.configPath}\n`);

  for (const call of plan.builds) {
    const code = await runLogged(tree, call, io);
    if (code !== 0) io.warn(`iprobe-spec: ${tree.runner} exited with ${code} building ${call.variant.label}; continuing, failed builds are reported as such\n`);
  }
  for (const warning of await verifyBuilds(tree, plan.selected.map((b) => b.name), options.tune)) {
    io.warn(`iprobe-spec: warning: ${warning}\n`);
  }

  const results = {} as Record<VariantKey, SpecResultFile[]>;
  for (const call of plan.runs) {
    const before = await listResults(tree);
    const code = await runLogged(tree, call, io);
    const added = [...(await listResults(tree))].filter((f) => !before.has(f) && f.endsWith('.rsf')).sort();
    if (added.length === 0) {
      throw new UserError(
        `${tree.runner} ${code === 0 ? '' : `exited with ${code} and `}wrote no raw result (.rsf) to ${resultDir(tree)} for ${call.variant.label}`,
        'see the log it names above; if your config sets output_root, pass the same --output-root',
      );
    }
    if (code !== 0) io.warn(`iprobe-spec: ${tree.runner} exited with ${code} running ${call.variant.label}; its failed benchmarks are reported as such\n`);
    results[call.variant.key] = await Promise.all(added.map((f) => readRawResult(path.join(resultDir(tree), f))));
    for (const file of results[call.variant.key]) {
      if (file.label && file.label !== call.variant.label) {
        throw new UserError(`${file.file} holds results for ${file.label}, not ${call.variant.label}`, 'was another run writing to the same result directory?');
      }
    }
  }

  const report = buildOverheadReport({
    title: reportTitle(plan),
    tune: options.tune,
    benchmarks: plan.selected.map((b) => b.name),
    results,
    skipped: plan.skipped,
  });
  await writeReport(report, options.outputDir, io);
  return report;
}

export async function writeReport(report: OverheadReport, outputDir: string, io: DriverIo): Promise<void> {
  const files = outputFiles(path.resolve(outputDir));
  try {
    await mkdir(path.dirname(files.md), { recursive: true });
    await writeFile(files.md, renderMarkdown(report));
    await writeFile(files.csv, renderCsv(report));
    await writeFile(files.json, renderJson(report));
  } catch (err) {
    throw describeFsError(err, `cannot write the results to ${path.dirname(files.md)}`);
  }
  io.out(renderMarkdown(report));
  io.warn(`iprobe-spec: wrote ${files.md}, ${files.csv}, ${files.json}\n`);
}

async function runLogged(tree: SpecTree, call: RunnerCall, io: DriverIo): Promise<number> {
  io.warn(`iprobe-spec: $ ${runnerCommandLine(tree, call.args)}\n`);
  return runRunner(tree, call.args);
}

async function listResults(tree: SpecTree): Promise<Set<string>> {
  return new Set(await readdir(resultDir(tree)).catch(() => [] as string[]));
}
