/** The multi-threaded workers fixture, built, coldpatched and ready to start under the runtime. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { compile, VARIANT_MATRIX, variantFlags, type BuildVariant } from './compile.js';
import { iprobe } from './iprobe-cli.js';
import { fixture } from './paths.js';

export interface WorkersBuild {
  /** Coldpatched executable (its probe list beside it). */
  executable: string;
  /** Directory of the coldpatched libmathlib.so, for LD_LIBRARY_PATH. */
  libraryDir: string;
  /** The instrumented, not coldpatched, executable. */
  instrumented: string;
}

export const DEFAULT_WORKERS_VARIANT: BuildVariant = VARIANT_MATRIX.find((v) => v.optimize === 'O2' && v.pie && !v.noPlt)!;

export async function buildWorkers(dir: string, variant = DEFAULT_WORKERS_VARIANT): Promise<WorkersBuild> {
  const flags = variantFlags(variant, true);
  const build = path.join(dir, `workers-${variant.name}`);
  const cold = path.join(build, 'cold');
  mkdirSync(cold, { recursive: true });
  const notPie = (f: string) => !['-fno-pie', '-fPIE', '-pie', '-no-pie'].includes(f);
  const lib = await compile({
    sources: [fixture('hotpatch/mathlib.c')],
    output: path.join(build, 'libmathlib.so'),
    flags: [...flags.compile, ...flags.link].filter(notPie),
    shared: true,
  });
  const exe = await compile({
    sources: [fixture('hotpatch/workers.c')],
    output: path.join(build, 'workers'),
    flags: [...flags.compile, ...flags.link],
    libraries: [`-L${build}`, '-lmathlib'],
  });
  for (const [input, output] of [
    [lib, path.join(cold, 'libmathlib.so')],
    [exe, path.join(cold, 'workers')],
  ] as const) {
    const r = await iprobe(['coldpatch', input, '-o', output]);
    if (r.code !== 0) throw new Error(`coldpatch ${input}: ${r.stderr}`);
  }
  return { executable: path.join(cold, 'workers'), libraryDir: cold, instrumented: exe };
}

export function workersEnvironment(build: WorkersBuild): NodeJS.ProcessEnv {
  return { ...process.env, LD_LIBRARY_PATH: build.libraryDir };
}
