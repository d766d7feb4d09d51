import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, type BuiltProgram } from '../../src/bench/programs/build-program.js';
import { bzip2 } from '../../src/bench/programs/catalog/bzip2.js';
import { fetchSource } from '../../src/bench/programs/fetch-source.js';
import { instrumentedVariant, plainVariant } from '../../src/bench/programs/variant.js';
import { hookCalls, producers } from './elf-inspect.js';

// The real thing, end to end, on the cheapest program: apt-get source into
// the machine's cache (shared with the CLI and the benchmarks), two builds,
// the workload on both.
describe('bzip2 from Debian sources, plain and instrumented', () => {
  let plain: BuiltProgram;
  let instrumented: BuiltProgram;

  beforeAll(async () => {
    plain = await buildProgram('bzip2', plainVariant);
    instrumented = await buildProgram('bzip2', instrumentedVariant);
  });

  it('fetches the Debian source package with its patches applied', async () => {
    const tree = await fetchSource('bzip2');
    expect(tree.version).toMatch(/^1\.0\.8-/);
    expect(fs.existsSync(`${tree.dir}/bzlib.c`)).toBe(true);
    expect(fs.existsSync(`${tree.dir}/debian/patches`)).toBe(true);
    expect(plain.version).toBe(tree.version);
  });

  it('builds two different binaries, each with debug info and the flags it was asked for', () => {
    expect(plain.dir).not.toBe(instrumented.dir);
    expect(producers(plain.main).every((p) => / -O2 /.test(p) && / -g /.test(p) && !/instrument/.test(p))).toBe(true);
    expect(producers(instrumented.main).every((p) => / -O2 /.test(p) && / -finstrument-functions/.test(p))).toBe(true);
  });

  it('instruments every function in the instrumented binary only', () => {
    expect(hookCalls(plain.main)).toEqual([]);
    const calls = hookCalls(instrumented.main);
    const enters = calls.filter((c) => c.hook === '__cyg_profile_func_enter');
    // bzip2 has about a hundred functions; inlining copies their calls into callers.
    expect(enters.length).toBeGreaterThan(80);
    // Fewer: return paths share one exit call, and noreturn functions have none.
    expect(calls.filter((c) => c.hook === '__cyg_profile_func_exit').length).toBeGreaterThan(80);
    expect(calls.every((c) => c.via === 'plt' && c.bytes[0] === 0xe8 && c.bytes.length === 5)).toBe(true);
  });

  it('finds its build in the cache the second time', async () => {
    const again = await buildProgram('bzip2', instrumentedVariant);
    expect(again.cached).toBe(true);
    expect(again.dir).toBe(instrumented.dir);
  });

  it('compresses and decompresses the corpus to identical outputs in both variants', async () => {
    const a = await bzip2.run(plain.binaries, { size: 'quick' });
    const b = await bzip2.run(instrumented.binaries, { size: 'quick' });
    expect(a.outputDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.outputDigest).toBe(a.outputDigest);
    expect(a.seconds).toBeGreaterThan(0);
    expect(a.details!['bzip2-9 ratio']).toBeGreaterThan(3);
  });

  it('fails loudly when a binary corrupts its output', async () => {
    // A "bzip2" that ignores its arguments and prints the wrong bytes.
    await expect(bzip2.run({ bzip2: '/bin/echo' }, { size: 'quick' })).rejects.toThrow(/differs from the corpus/);
  });
});
