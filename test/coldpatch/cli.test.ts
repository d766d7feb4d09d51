/**
 * `iprobe coldpatch` as a user meets it: outputs, options, idempotence, and
 * every kind of bad input — one line on stderr, non-zero exit, nothing written.
 */
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseElf } from '../../src/elf/elf-file.js';
import { sha256Of } from '../../src/probelist/binary-identity.js';
import { compile, VARIANT_MATRIX, variantFlags } from '../support/compile.js';
import { readProbeList } from '../support/coldpatch-checks.js';
import { iprobe, runProgram, type CliResult } from '../support/iprobe-cli.js';
import { objdumpHookBranches } from '../support/objdump.js';
import { fixture } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('cli');
const O2 = VARIANT_MATRIX.find((v) => v.optimize === 'O2' && v.pie && !v.noPlt)!;
let instrumented: string;
let plain: string;

beforeAll(async () => {
  const instr = variantFlags(O2, true);
  const none = variantFlags(O2, false);
  instrumented = await compile({ sources: [fixture('coldpatch/recursion.c')], output: path.join(dir, 'recursion'), flags: [...instr.compile, ...instr.link] });
  plain = await compile({ sources: [fixture('coldpatch/recursion.c')], output: path.join(dir, 'recursion-plain'), flags: [...none.compile, ...none.link] });
});

/** A scratch directory holding one copy of `source`; returns the copy's path. */
function scratch(name: string, source = instrumented): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  const copy = path.join(d, path.basename(source));
  copyFileSync(source, copy);
  return copy;
}

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^iprobe: /);
  expect(lines[0]).toMatch(pattern);
}

describe('outputs', () => {
  test('default paths, mode bits kept, input untouched', async () => {
    const input = scratch('defaults');
    chmodSync(input, 0o750);
    const before = { sha: sha256Of(readFileSync(input)), mtime: statSync(input).mtimeMs };
    const r = await iprobe(['coldpatch', input]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/coldpatched .* -> .*recursion\.coldpatched/);
    const output = `${input}.coldpatched`;
    expect(statSync(output).mode & 0o7777).toBe(0o750);
    expect(existsSync(`${output}.probes.json`)).toBe(true);
    expect(sha256Of(readFileSync(input))).toBe(before.sha);
    expect(statSync(input).mtimeMs).toBe(before.mtime);
    const list = readProbeList(`${output}.probes.json`);
    expect(list.binary.sha256).toBe(sha256Of(readFileSync(output)));
    expect(list.source.sha256).toBe(before.sha);
    expect(list.binary.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(list.binary.buildId).toBe(list.source.buildId);
    expect(readdirSync(path.dirname(input)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('--json summary', async () => {
    const input = scratch('json');
    const r = await iprobe(['coldpatch', input, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe('coldpatched');
    expect(s.sites.entry).toBeGreaterThan(0);
    expect(s.sites.exit).toBeGreaterThanOrEqual(s.sites.entry);
    expect(s.bytesChanged).toBeGreaterThan(0);
    expect(s.functions).toBeGreaterThan(3);
    expect(typeof s.seconds).toBe('number');
    expect(s.sweep.instructions).toBeGreaterThan(100);
  });

  test('running coldpatch on its own output says so and writes nothing', async () => {
    const input = scratch('twice');
    expect((await iprobe(['coldpatch', input])).code).toBe(0);
    const output = `${input}.coldpatched`;
    const listBefore = readFileSync(`${output}.probes.json`, 'utf8');
    const r = await iprobe(['coldpatch', output]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already coldpatched/);
    expect(existsSync(`${output}.coldpatched`)).toBe(false);
    expect(readFileSync(`${output}.probes.json`, 'utf8')).toBe(listBefore);
    // Without its probe list next to it, the binary itself still tells.
    const moved = path.join(path.dirname(input), 'moved');
    copyFileSync(output, moved);
    const again = await iprobe(['coldpatch', moved, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe('already-coldpatched');
    expect(existsSync(`${moved}.coldpatched`)).toBe(false);
  });

  test('--strip removes symbols and debug info, the probe list keeps the names', async () => {
    const input = scratch('strip');
    const output = `${input}.stripped`;
    const r = await iprobe(['coldpatch', input, '-o', output, '--strip']);
    expect(r.code).toBe(0);
    const names = parseElf(readFileSync(output)).sections.map((s) => s.name);
    expect(names).not.toContain('.symtab');
    expect(names.filter((n) => n.startsWith('.debug'))).toEqual([]);
    const list = readProbeList(`${output}.probes.json`);
    expect(list.binary.stripped).toBe(true);
    expect(list.binary.sha256).toBe(sha256Of(readFileSync(output)));
    expect(list.functions.map((f) => f.name)).toContain('ackermann');
    expect(list.sites.some((s) => s.file?.endsWith('recursion.c'))).toBe(true);
    const [a, b] = await Promise.all([runProgram(plain, []), runProgram(output, [])]);
    expect(b.stdout).toBe(a.stdout);
  });

  test('--only patches the matching functions and leaves the other calls live', async () => {
    const input = scratch('only');
    const output = `${input}.only`;
    const r = await iprobe(['coldpatch', input, '-o', output, '--only', 'ack*', 'count_?ords', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.notSelected).toBeGreaterThan(0);
    const list = readProbeList(`${output}.probes.json`);
    expect(new Set(list.functions.map((f) => f.name))).toEqual(new Set(['ackermann', 'count_words']));
    const remaining = await objdumpHookBranches(output);
    expect(remaining.length).toBe(s.notSelected);
    expect(remaining.length + list.sites.length).toBe((await objdumpHookBranches(input)).length);
    const [a, b] = await Promise.all([runProgram(plain, []), runProgram(output, [])]);
    expect(b.stdout).toBe(a.stdout);
    // A second run on the output patches the rest and keeps the earlier sites.
    const rest = await iprobe(['coldpatch', output, '-o', `${output}.all`, '--json']);
    expect(rest.code).toBe(0);
    expect(await objdumpHookBranches(`${output}.all`)).toEqual([]);
    const merged = readProbeList(`${output}.all.probes.json`);
    expect(merged.sites.length).toBe((await objdumpHookBranches(input)).length);
    expect(merged.source.sha256).toBe(sha256Of(readFileSync(input)));
  });

  test('--only that matches nothing is an error', async () => {
    const input = scratch('only-none');
    expectOneLineError(await iprobe(['coldpatch', input, '--only', 'no_such_fn']), /matches no instrumented function/);
    expect(existsSync(`${input}.coldpatched`)).toBe(false);
  });

  test('--help documents the options', async () => {
    const r = await iprobe(['coldpatch', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--output', '--probes', '--strip', '--only', '--json']) expect(r.stdout).toContain(option);
  });
});

describe('bad input: one line, non-zero exit, nothing written', () => {
  const cases: [string, (d: string) => string, RegExp][] = [
    ['not an ELF file', (d) => write(d, 'notes.txt', 'just text\n'), /not an ELF file/],
    ['empty file', (d) => write(d, 'empty', ''), /not an ELF file/],
    ['truncated ELF', (d) => write(d, 'truncated', readFileSync(instrumented).subarray(0, 1000)), /past the end of the file|truncated/],
    ['32-bit ELF', (d) => write(d, 'elf32', patchBytes(readFileSync(instrumented), 4, [1])), /32-bit ELF/],
    ['AArch64 ELF', (d) => write(d, 'arm64', patchBytes(readFileSync(instrumented), 18, [183, 0])), /AArch64, not x86-64/],
    ['relocatable object', (d) => write(d, 'object.o', patchBytes(readFileSync(instrumented), 16, [1, 0])), /relocatable object/],
    ['uninstrumented binary', (d) => scratchIn(d, plain), /no instrumentation found.*-finstrument-functions/],
    ['missing file', (d) => path.join(d, 'does-not-exist'), /no such file/],
    ['a directory', (d) => d, /is a directory/],
  ];
  test.each(cases)('%s', async (_name, make, pattern) => {
    const d = path.join(dir, `bad-${_name.replace(/\W+/g, '-')}`);
    mkdirSync(d, { recursive: true });
    const input = make(d);
    const before = readdirSync(d);
    expectOneLineError(await iprobe(['coldpatch', input]), pattern);
    expect(readdirSync(d)).toEqual(before);
  });

  test('output equal to the input, also through a hard link', async () => {
    const input = scratch('same');
    const sha = sha256Of(readFileSync(input));
    expectOneLineError(await iprobe(['coldpatch', input, '-o', input]), /is the input file/);
    const link = `${input}.link`;
    linkSync(input, link);
    expectOneLineError(await iprobe(['coldpatch', input, '-o', link]), /is the input file/);
    expect(sha256Of(readFileSync(input))).toBe(sha);
  });

  test('output directory missing', async () => {
    const input = scratch('nodir');
    expectOneLineError(await iprobe(['coldpatch', input, '-o', path.join(dir, 'no', 'such', 'dir', 'out')]), /no such file or directory/);
  });

  test('unreadable input and unwritable output directory, as an unprivileged user', async () => {
    const input = scratch('perm');
    chmodSync(dir, 0o755);
    chmodSync(path.dirname(input), 0o755);
    chmodSync(input, 0o600);
    const asNobody = (args: string[]) =>
      runProgram('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args]);
    const cli = path.resolve('dist/cli/iprobe.js');
    const unreadable = await asNobody([cli, 'coldpatch', input, '-o', '/tmp/x']);
    expectOneLineError(unreadable, /permission denied \(running as uid 65534\)/);
    chmodSync(input, 0o644);
    const unwritable = await asNobody([cli, 'coldpatch', input]);
    expectOneLineError(unwritable, /cannot write .*permission denied/);
    expect(existsSync(`${input}.coldpatched`)).toBe(false);
  });

  test('a failure while producing the output leaves nothing behind (objcopy missing for --strip)', async () => {
    const input = scratch('nostrip');
    const before = readdirSync(path.dirname(input));
    const r = await runProgram(process.execPath, [path.resolve('dist/cli/iprobe.js'), 'coldpatch', input, '--strip'], {
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expectOneLineError(r, /--strip needs objcopy/);
    expect(readdirSync(path.dirname(input))).toEqual(before);
  });
});

function write(d: string, name: string, content: string | Buffer): string {
  const file = path.join(d, name);
  writeFileSync(file, content);
  return file;
}

function scratchIn(d: string, source: string): string {
  const copy = path.join(d, path.basename(source));
  copyFileSync(source, copy);
  return copy;
}

function patchBytes(bytes: Buffer, offset: number, values: number[]): Buffer {
  const copy = Buffer.from(bytes);
  values.forEach((v, i) => (copy[offset + i] = v));
  return copy;
}
