/**
 * The workers fixture (fixtures/hotpatch: eight computing threads and an
 * instrumented shared library) built for the injection tests, instrumented
 * and coldpatched, in the binding layouts injection must handle.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { coldpatch } from '../../src/coldpatch/coldpatch.js';
import { compile } from '../support/compile.js';
import { INCLUDE_DIR, fixture } from '../support/paths.js';
import { scratch } from './plain-target.js';

export interface InjectionLayout {
  name: string;
  exe: string[];
  lib: string[];
}

export const LAYOUTS: readonly InjectionLayout[] = [
  // Debian gcc's default: PIE, PLT, lazy binding (partial RELRO: the GOT stays writable).
  { name: 'pie-lazy', exe: ['-fPIE', '-pie', '-Wl,-z,lazy'], lib: ['-Wl,-z,lazy'] },
  // Not PIE, -fno-plt (calls through GOT slots bound at start), full RELRO (GOT read-only).
  {
    name: 'nopie-noplt-fullrelro',
    exe: ['-fno-pie', '-no-pie', '-fno-plt', '-Wl,-z,now,-z,relro'],
    lib: ['-fno-plt', '-Wl,-z,now,-z,relro'],
  },
];

export interface BuiltWorkers {
  exe: string;
  lib: string;
}

export async function buildWorkers(layout: InjectionLayout): Promise<BuiltWorkers> {
  const original = path.join(scratch, `${layout.name}-orig`);
  const run = path.join(scratch, `${layout.name}-run`);
  mkdirSync(original, { recursive: true });
  mkdirSync(run, { recursive: true });
  const common = ['-O2', '-g', '-finstrument-functions', '-fcf-protection=none', `-I${INCLUDE_DIR}`];
  await compile({
    sources: [fixture('hotpatch', 'mathlib.c')],
    output: path.join(original, 'libmathlib.so'),
    flags: [...common, ...layout.lib],
    shared: true,
  });
  await compile({
    sources: [fixture('hotpatch', 'workers.c')],
    output: path.join(original, 'workers'),
    flags: [...common, ...layout.exe, '-pthread'],
    libraries: [`-L${original}`, '-lmathlib', `-Wl,-rpath,${run}`],
  });
  const exe = path.join(run, 'workers');
  const lib = path.join(run, 'libmathlib.so');
  await coldpatch({ input: path.join(original, 'libmathlib.so'), output: lib, probes: `${lib}.probes.json` });
  await coldpatch({ input: path.join(original, 'workers'), output: exe, probes: `${exe}.probes.json` });
  return { exe, lib };
}
