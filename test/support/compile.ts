/** Compiles test fixtures with gcc/g++ in the flag combinations coldpatch must handle. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { INCLUDE_DIR } from './paths.js';

const run = promisify(execFile);

export interface BuildVariant {
  name: string;
  optimize: 'O0' | 'O2';
  pie: boolean;
  bindNow: boolean;
  noPlt: boolean;
  cet: boolean;
}

const variant = (optimize: 'O0' | 'O2', pie: boolean, bindNow: boolean, noPlt: boolean, cet: boolean): BuildVariant => ({
  name: [optimize, pie ? 'pie' : 'nopie', bindNow ? 'now' : 'lazy', noPlt ? 'noplt' : 'plt', cet ? 'cet' : 'nocet'].join('-'),
  optimize,
  pie,
  bindNow,
  noPlt,
  cet,
});

/**
 * An L8 orthogonal array over the five build choices: every pair of choices
 * (e.g. -fno-plt with -no-pie, -O2 with IBT) appears in some variant, in 8
 * builds instead of 32.
 */
export const VARIANT_MATRIX: readonly BuildVariant[] = [
  variant('O0', true, false, false, false),
  variant('O0', true, false, true, true),
  variant('O0', false, true, false, false),
  variant('O0', false, true, true, true),
  variant('O2', true, true, false, true),
  variant('O2', true, true, true, false),
  variant('O2', false, false, false, true),
  variant('O2', false, false, true, false),
];

export function variantFlags(v: BuildVariant, instrument: boolean): { compile: string[]; link: string[] } {
  const compile = [`-${v.optimize}`, '-g', `-I${INCLUDE_DIR}`];
  const link: string[] = [];
  if (instrument) compile.push('-finstrument-functions');
  compile.push(v.pie ? '-fPIE' : '-fno-pie');
  link.push(v.pie ? '-pie' : '-no-pie');
  if (v.noPlt) compile.push('-fno-plt');
  // -z ibtplt makes the linker emit IBT PLT stubs (.plt.sec) even when the
  // startup files are not IBT-marked.
  if (v.cet) {
    compile.push('-fcf-protection=full');
    link.push('-Wl,-z,ibtplt');
  } else compile.push('-fcf-protection=none');
  link.push(v.bindNow ? '-Wl,-z,now,-z,relro' : '-Wl,-z,lazy');
  return { compile, link };
}

export interface CompileRequest {
  sources: string[];
  output: string;
  flags?: string[];
  cxx?: boolean;
  shared?: boolean;
  /** Linker inputs that must follow the sources (-L/-l). */
  libraries?: string[];
}

export async function compile(req: CompileRequest): Promise<string> {
  const compiler = req.cxx ? 'g++' : 'gcc';
  const args = [
    ...(req.flags ?? []),
    ...(req.shared ? ['-shared', '-fPIC'] : []),
    '-o',
    req.output,
    ...req.sources,
    ...(req.libraries ?? []),
  ];
  if (!req.cxx) args.push('-lpthread');
  try {
    await run(compiler, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`${compiler} ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? err}`);
  }
  return req.output;
}
