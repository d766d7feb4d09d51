import os from 'node:os';
import path from 'node:path';
import { runLogged } from './build-log.js';
import type { BuildContext } from './program.js';
import type { VariantFlags } from './variant.js';

export interface CompileStep {
  srcDir: string;
  /** Where the objects go (never inside srcDir: the source tree is shared and read-only). */
  objDir: string;
  /** Relative to srcDir, or absolute (for sources a recipe generates). */
  sources: readonly string[];
  /** Relative to srcDir, or absolute (for headers a recipe generates in its work directory). */
  includeDirs?: readonly string[];
  defines?: readonly string[];
  /** The program's own flags (-std=, -pthread, …); the variant's flags come after and win. */
  cflags?: readonly string[];
  flags: VariantFlags;
  logFile: string;
}

/** Compiles each source to its own object, as many at once as there are cores; returns the objects. */
export async function compileObjects(step: CompileStep): Promise<string[]> {
  const common = [
    ...(step.cflags ?? []),
    ...(step.defines ?? []).map((d) => `-D${d}`),
    ...(step.includeDirs ?? []).map((d) => `-I${path.resolve(step.srcDir, d)}`),
    ...step.flags.cflags,
  ];
  const objects = step.sources.map((src, i) => path.join(step.objDir, `${i}-${path.basename(src)}.o`));
  await forEachLimited(step.sources, os.availableParallelism(), (src, i) =>
    runLogged(step.logFile, 'gcc', [...common, '-c', path.resolve(step.srcDir, src), '-o', objects[i]!]),
  );
  return objects;
}

export interface LinkStep {
  objects: readonly string[];
  output: string;
  flags: VariantFlags;
  /** -lm, -pthread, … after the objects. */
  libs?: readonly string[];
  logFile: string;
}

export async function linkExecutable(step: LinkStep): Promise<void> {
  await runLogged(step.logFile, 'gcc', [
    ...step.flags.cflags,
    ...step.flags.ldflags,
    ...step.objects,
    '-o',
    step.output,
    ...(step.libs ?? []),
  ]);
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export interface CProgramSpec {
  /** Relative to the source tree, or absolute. */
  sources: readonly string[];
  includeDirs?: readonly string[];
  defines?: readonly string[];
  cflags?: readonly string[];
  libs?: readonly string[];
  /** File name in the build's output directory. */
  output: string;
}

/** The common recipe: compile a program's C files from the source tree into the work directory, link into the output directory. */
export async function compileAndLink(ctx: BuildContext, spec: CProgramSpec): Promise<void> {
  const { source, flags, workDir, outDir, logFile } = ctx;
  const { sources, includeDirs, defines, cflags, libs, output } = spec;
  const objects = await compileObjects({ srcDir: source.dir, objDir: workDir, sources, includeDirs, defines, cflags, flags, logFile });
  await linkExecutable({ objects, output: path.join(outDir, output), flags, libs, logFile });
}
