/**
 * The cold label's build_post_bench, run as the SPEC tools run it: no
 * arguments, in a build directory holding freshly linked instrumented
 * executables (and objects, scripts) of one benchmark.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { sha256Of } from '../../src/probelist/binary-identity.js';
import { buildDirLayout } from '../../src/spec-cpu/coldpatch-build-dir.js';
import { compile } from '../support/compile.js';
import { runProgram, type CliResult } from '../support/iprobe-cli.js';
import { fixture, PROJECT_ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('spec-hook');
const HOOK = path.join(PROJECT_ROOT, 'dist', 'spec-cpu', 'coldpatch-hook.js');
const hook = (cwd: string, args: string[] = []): Promise<CliResult> => runProgram(process.execPath, [HOOK, ...args], { cwd });
const INSTRUMENT = ['-O2', '-finstrument-functions'];
// A second executable of the benchmark, in C++ like SPEC's imagevalidate helpers; small, so it compiles fast.
const CXX_SOURCE = `#include <cstdio>
struct Shape { virtual ~Shape() {} virtual int area() const = 0; };
struct Square : Shape { int side; explicit Square(int s) : side(s) {} int area() const override { return side * side; } };
int main(int argc, char **) { Square s(argc + 2); const Shape &shape = s; std::printf("%d\\n", shape.area()); return 0; }
`;

let cProgram: string;
let cxxProgram: string;
let plainProgram: string;

beforeAll(async () => {
  const sources = path.join(dir, 'sources');
  mkdirSync(sources);
  cProgram = await compile({ sources: [fixture('coldpatch/recursion.c')], output: path.join(sources, 'c'), flags: INSTRUMENT });
  writeFileSync(path.join(sources, 'validate.cpp'), CXX_SOURCE);
  cxxProgram = await compile({ sources: [path.join(sources, 'validate.cpp')], output: path.join(sources, 'cxx'), flags: INSTRUMENT, cxx: true });
  plainProgram = await compile({ sources: [fixture('coldpatch/recursion.c')], output: path.join(sources, 'plain'), flags: ['-O2'] });
});

/** benchspec/CPU/<bench>/build/<buildName> holding copies of `programs` under the given names. */
function buildDir(name: string, buildName: string, programs: Record<string, string>): string {
  const build = path.join(dir, name, 'benchspec', 'CPU', '525.x264_r', 'build', buildName);
  mkdirSync(build, { recursive: true });
  for (const [exe, source] of Object.entries(programs)) copyFileSync(source, path.join(build, exe));
  return build;
}

const probeList = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { binary: { sha256: string; file: string } };

describe('in a build directory of the documented layout', () => {
  let build: string;
  let first: CliResult;

  beforeAll(async () => {
    build = buildDir('layout', 'build_peak_iprobe-cold.0003', { x264_r: cProgram, imagevalidate_525: cxxProgram });
    writeFileSync(path.join(build, 'x264.o'), readFileSync(cProgram)); // ELF, but no x bit
    writeFileSync(path.join(build, 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(path.join(build, 'run.sh'), 0o755);
    first = await hook(build);
  });

  test('every executable is coldpatched in place, the original kept, bound to its probe list', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const [exe, source] of [['x264_r', cProgram], ['imagevalidate_525', cxxProgram]] as const) {
      const patched = readFileSync(path.join(build, exe));
      expect(readFileSync(path.join(build, `${exe}.instrumented`))).toEqual(readFileSync(source));
      expect(patched.length).toBe(readFileSync(source).length);
      expect(patched.equals(readFileSync(source))).toBe(false);
      const list = probeList(path.join(build, `${exe}.probes.json`));
      expect(list.binary).toMatchObject({ sha256: sha256Of(patched), file: exe });
      expect(first.stdout).toContain(`iprobe-spec: ${exe}: coldpatched,`);
    }
    expect(existsSync(path.join(build, 'run.sh.instrumented'))).toBe(false);
    expect(existsSync(path.join(build, 'x264.o.instrumented'))).toBe(false);
  });

  test('the probe list is also put where the tools copy the executable: exe/<exe>_<tune>.<label>.probes.json', () => {
    const exeDir = path.join(dir, 'layout', 'benchspec', 'CPU', '525.x264_r', 'exe');
    expect(readFileSync(path.join(exeDir, 'x264_r_peak.iprobe-cold.probes.json'))).toEqual(readFileSync(path.join(build, 'x264_r.probes.json')));
    expect(existsSync(path.join(exeDir, 'imagevalidate_525_peak.iprobe-cold.probes.json'))).toBe(true);
  });

  test('the coldpatched program behaves as the instrumented one', async () => {
    const patched = await runProgram(path.join(build, 'x264_r'), []);
    const original = await runProgram(path.join(build, 'x264_r.instrumented'), []);
    expect(patched).toEqual(original);
    expect(patched.code).toBe(0);
  });

  test('running the hook again changes nothing', async () => {
    const before = sha256Of(readFileSync(path.join(build, 'x264_r')));
    const again = await hook(build);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('iprobe-spec: x264_r: already-coldpatched,');
    expect(sha256Of(readFileSync(path.join(build, 'x264_r')))).toBe(before);
    expect(readFileSync(path.join(build, 'x264_r.instrumented'))).toEqual(readFileSync(cProgram));
  });
});

test('layout: tune and label from the build directory name; anything else is not a build directory', () => {
  expect(buildDirLayout('/s/benchspec/CPU/505.mcf_r/build/build_base_iprobe-cold.0000')).toEqual({
    tune: 'base',
    label: 'iprobe-cold',
    exeDir: '/s/benchspec/CPU/505.mcf_r/exe',
  });
  expect(buildDirLayout('/s/benchspec/CPU2006/429.mcf/build/build_peak_iprobe-cold.0012')?.exeDir).toBe('/s/benchspec/CPU2006/429.mcf/exe');
  expect(buildDirLayout('/s/benchspec/CPU/505.mcf_r/run/build_base_x.0000')).toBeUndefined();
  expect(buildDirLayout('/tmp/somewhere')).toBeUndefined();
});

test('outside the layout the executables are still coldpatched, just not copied to an exe directory', async () => {
  const build = path.join(dir, 'loose');
  mkdirSync(build);
  copyFileSync(cProgram, path.join(build, 'prog'));
  const r = await hook(dir, ['loose']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^iprobe-spec: prog: coldpatched, \d+ sites; probe list .*loose\/prog\.probes\.json\n$/);
  expect(existsSync(path.join(build, 'prog.instrumented'))).toBe(true);
});

test('an executable built without -finstrument-functions fails the hook, and so the build; nothing is renamed', async () => {
  const build = buildDir('plain', 'build_base_iprobe-cold.0000', { x264_r: plainProgram });
  const r = await hook(build);
  expect(r.code).toBe(1);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^iprobe-spec-coldpatch-hook: no instrumentation found in .*x264_r: no calls to __cyg_profile_func_enter\/exit/);
  expect(readFileSync(path.join(build, 'x264_r'))).toEqual(readFileSync(plainProgram));
  expect(existsSync(path.join(build, 'x264_r.instrumented'))).toBe(false);
});

test('a build directory without executables is an error', async () => {
  const build = buildDir('empty', 'build_base_iprobe-cold.0000', {});
  const r = await hook(build);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^iprobe-spec-coldpatch-hook: no ELF executable in .*build_base_iprobe-cold\.0000: nothing to coldpatch\n$/);
});
