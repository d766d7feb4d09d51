/**
 * A SPEC CPU installation: which version it is and where runcpu/runspec puts
 * configs, executables and results. Detected from what the installer leaves:
 * shrc at the top, bin/runcpu (CPU2017) or bin/runspec (CPU2006).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/user-error.js';
import type { SpecVersion } from './spec-benchmarks.js';

export interface SpecTree {
  root: string;
  version: SpecVersion;
  /** runcpu (CPU2017) or runspec (CPU2006). */
  runner: 'runcpu' | 'runspec';
  configDir: string;
  /** Where build/exe/run/result directories go: root, or the output_root given to the runner. */
  outputRoot: string;
}

export function openSpecTree(dir: string, outputRoot?: string): SpecTree {
  const root = path.resolve(dir);
  let info;
  try {
    info = statSync(root);
  } catch {
    throw new UserError(`SPEC directory ${dir} does not exist`, 'pass the directory where SPEC CPU was installed, e.g. --spec-dir /opt/cpu2017');
  }
  if (!info.isDirectory()) throw new UserError(`SPEC directory ${dir} is not a directory`);
  const hasShrc = existsSync(path.join(root, 'shrc'));
  const runner = existsSync(path.join(root, 'bin', 'runcpu'))
    ? 'runcpu'
    : existsSync(path.join(root, 'bin', 'runspec'))
      ? 'runspec'
      : undefined;
  if (!hasShrc || !runner) {
    const missing = [!hasShrc && 'shrc', !runner && 'bin/runcpu (CPU2017) or bin/runspec (CPU2006)'].filter(Boolean);
    throw new UserError(`${dir} is not a SPEC CPU tree: it has no ${missing.join(' and no ')}`, 'point --spec-dir at the top of a SPEC CPU2006 or CPU2017 installation');
  }
  return {
    root,
    version: runner === 'runcpu' ? 'cpu2017' : 'cpu2006',
    runner,
    configDir: path.join(root, 'config'),
    outputRoot: outputRoot ? path.resolve(root, outputRoot) : root,
  };
}

export function resultDir(tree: SpecTree): string {
  return path.join(tree.outputRoot, 'result');
}

/** benchspec/CPU/505.mcf_r (CPU2017) or benchspec/CPU2006/429.mcf. */
export function benchmarkDir(tree: SpecTree, benchmark: string): string {
  return path.join(tree.outputRoot, 'benchspec', tree.version === 'cpu2017' ? 'CPU' : 'CPU2006', benchmark);
}

/** The runner's name for the config-file tag: --label in CPU2017, --extension in CPU2006. */
export function labelOption(tree: SpecTree): string {
  return tree.version === 'cpu2017' ? '--label' : '--extension';
}
