/** The coldpatch fixtures: how to build each, and what to run. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { compile, variantFlags, type BuildVariant } from './compile.js';
import { fixture } from './paths.js';

export interface BuiltProgram {
  /** Executables and libraries to coldpatch, by role. */
  binaries: Record<string, string>;
  /** Runs the program given the directory its binaries are in. */
  command: (binaries: Record<string, string>) => { file: string; args: string[]; env?: NodeJS.ProcessEnv };
}

export interface FixtureProgram {
  name: string;
  build(dir: string, variant: BuildVariant, instrument: boolean): Promise<BuiltProgram>;
}

const single = (name: string, source: string, cxx = false): FixtureProgram => ({
  name,
  async build(dir, variant, instrument) {
    const flags = variantFlags(variant, instrument);
    const out = path.join(dir, `${name}-${variant.name}-${instrument ? 'instr' : 'plain'}`);
    await compile({ sources: [fixture(source)], output: out, flags: [...flags.compile, ...flags.link], cxx });
    return { binaries: { main: out }, command: (b) => ({ file: b.main!, args: [] }) };
  },
});

export const FIXTURE_PROGRAMS: readonly FixtureProgram[] = [
  single('recursion', 'coldpatch/recursion.c'),
  single('threads', 'coldpatch/threads.c'),
  single('longjmp', 'coldpatch/longjmp.c'),
  single('features', 'coldpatch/features.cpp', true),
  single('points', 'points/points.c'),
  {
    name: 'shared-lib',
    async build(dir, variant, instrument) {
      const flags = variantFlags(variant, instrument);
      const libDir = path.join(dir, `geometry-${variant.name}-${instrument ? 'instr' : 'plain'}`);
      await mkdir(libDir, { recursive: true });
      const lib = path.join(libDir, 'libgeometry.so');
      const notPie = (f: string) => !['-fno-pie', '-fPIE', '-pie', '-no-pie'].includes(f);
      await compile({
        sources: [fixture('shared-lib/geometry.c')],
        output: lib,
        flags: [...flags.compile, ...flags.link].filter(notPie),
        shared: true,
      });
      const main = path.join(libDir, 'use-geometry');
      await compile({
        sources: [fixture('shared-lib/use-geometry.c')],
        output: main,
        flags: [...flags.compile, ...flags.link],
        libraries: [`-L${libDir}`, '-lgeometry'],
      });
      return {
        binaries: { main, lib },
        command: (b) => ({
          file: b.main!,
          args: [],
          env: { ...process.env, LD_LIBRARY_PATH: path.dirname(b.lib!) },
        }),
      };
    },
  },
];
