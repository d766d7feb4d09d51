/**
 * Checks, after the three builds, that each variant is what the table will
 * call it: plain executables call no hook, instrumented ones do, and every
 * coldpatched executable the tools will run is byte for byte the file its
 * probe list describes (so build_post_bench ran, and the tools copied its
 * output rather than some earlier file).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Of } from '../probelist/binary-identity.js';
import { probeListPathFor } from '../probelist/probe-list.js';
import { parseProbeList } from '../probelist/probe-list-json.js';
import { UserError } from '../util/user-error.js';
import { benchmarkDir, type SpecTree } from './spec-tree.js';
import { VARIANTS } from './spec-variants.js';

const HOOK_SYMBOL = Buffer.from('__cyg_profile_func_enter');

/** The tools' copies of a benchmark's executables for one tune and label: <exe>_<tune>.<label>. */
export async function executablesOf(tree: SpecTree, benchmark: string, tune: string, label: string): Promise<string[]> {
  const dir = path.join(benchmarkDir(tree, benchmark), 'exe');
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(`_${tune}.${label}`)).map((n) => path.join(dir, n));
}

export async function verifyBuilds(tree: SpecTree, benchmarks: readonly string[], tune: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const benchmark of benchmarks) {
    for (const variant of VARIANTS) {
      const exes = await executablesOf(tree, benchmark, tune, variant.label);
      if (exes.length === 0) {
        warnings.push(`${benchmark}: no ${variant.label} executable; its build failed (see the runner's log), its runs will fail`);
        continue;
      }
      const files = await Promise.all(exes.map(async (exe) => ({ exe, bytes: await readFile(exe) })));
      if (variant.key === 'plain') {
        const instrumented = files.find((f) => f.bytes.includes(HOOK_SYMBOL));
        if (instrumented) {
          throw new UserError(
            `${instrumented.exe} references __cyg_profile_func_enter: the base config already instruments, so ${variant.label} would not be a plain build`,
            'remove -finstrument-functions from the base config',
          );
        }
      } else if (variant.key === 'instr') {
        if (!files.some((f) => f.bytes.includes(HOOK_SYMBOL))) {
          warnings.push(`${benchmark}: no ${variant.label} executable references __cyg_profile_func_enter; did the base config override EXTRA_COPTIMIZE/EXTRA_CXXOPTIMIZE?`);
        }
      } else {
        for (const { exe, bytes } of files) await checkColdpatched(exe, bytes);
      }
    }
  }
  return warnings;
}

async function checkColdpatched(exe: string, bytes: Buffer): Promise<void> {
  const listPath = probeListPathFor(exe);
  const hint = 'build_post_bench writes it; see build_post_bench.out/.err in the build directory';
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch {
    throw new UserError(`${exe} has no probe list ${path.basename(listPath)}: it was not coldpatched`, hint);
  }
  const list = parseProbeList(text, listPath);
  if (list.binary.sha256 !== sha256Of(bytes)) {
    throw new UserError(`${exe} is not the file its probe list ${path.basename(listPath)} describes (sha256 differs)`, hint);
  }
}
