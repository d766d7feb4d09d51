import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, type BuiltProgram } from '../../src/bench/programs/build-program.js';
import { bzip2 } from '../../src/bench/programs/catalog/bzip2.js';
import { parseVariant, plainVariant } from '../../src/bench/programs/variant.js';
import { dynamicFlags, elfType, hookCalls, producers, programHeaderTypes, sections } from './elf-inspect.js';

// Each variant must produce what its name says, checked on the binary itself:
// the layouts ColdPatch has to handle. Four bzip2 builds cover every axis
// against the plain build.
describe('the variant flag matrix, on bzip2', () => {
  const builds: Record<string, BuiltProgram> = {};
  const names = {
    plain: 'O2',
    cet: 'O2+instrumented+cf-protection+full-relro',
    noPlt: 'O2+instrumented+no-plt+no-pie',
    o0: 'O0+instrumented',
  };

  beforeAll(async () => {
    for (const [key, name] of Object.entries(names)) builds[key] = await buildProgram('bzip2', parseVariant(name));
  });

  const section = (build: BuiltProgram, name: string) => sections(build.main).find((s) => s.name === name);

  it('plain: a PIE with a lazy-bound PLT, partial RELRO, no IBT PLT, no hooks', () => {
    const plain = builds.plain!;
    expect(plain.variant).toEqual(plainVariant);
    expect(elfType(plain.main)).toBe('DYN');
    expect(section(plain, '.plt')).toBeDefined();
    expect(section(plain, '.plt.sec')).toBeUndefined();
    expect(programHeaderTypes(plain.main)).toContain('GNU_RELRO');
    expect(dynamicFlags(plain.main)).not.toContain('BIND_NOW');
    expect(dynamicFlags(plain.main)).not.toContain('NOW');
    expect(hookCalls(plain.main)).toEqual([]);
  });

  it('cf-protection: endbr64 stubs in .plt.sec, and the hooks are called through them', () => {
    const cet = builds.cet!;
    const pltSec = section(cet, '.plt.sec')!;
    expect(pltSec).toBeDefined();
    const calls = hookCalls(cet.main);
    expect(calls.length).toBeGreaterThan(80);
    for (const call of calls) {
      expect(call.target).toBeGreaterThanOrEqual(pltSec.address);
      expect(call.target).toBeLessThan(pltSec.address + pltSec.size);
    }
    expect(producers(cet.main).every((p) => p.includes('-fcf-protection=full'))).toBe(true);
  });

  it('full-relro: BIND_NOW and a GNU_RELRO segment', () => {
    const cet = builds.cet!;
    expect(dynamicFlags(cet.main)).toEqual(expect.arrayContaining(['BIND_NOW', 'NOW']));
    expect(programHeaderTypes(cet.main)).toContain('GNU_RELRO');
  });

  it('no-pie: an ET_EXEC', () => {
    expect(elfType(builds.noPlt!.main)).toBe('EXEC');
    expect(producers(builds.noPlt!.main).every((p) => p.includes('-fno-pie'))).toBe(true);
  });

  it('no-plt: every hook call is a 6-byte call *GOT(%rip), none goes through the PLT', () => {
    const calls = hookCalls(builds.noPlt!.main);
    expect(calls.length).toBeGreaterThan(80);
    expect(calls.every((c) => c.via === 'got' && c.bytes.length === 6 && c.bytes[0] === 0xff && c.bytes[1] === 0x15)).toBe(true);
    const got = section(builds.noPlt!, '.got')!;
    expect(calls.every((c) => c.target >= got.address && c.target < got.address + got.size)).toBe(true);
  });

  it('O0: compiled without optimisation, still instrumented', () => {
    expect(producers(builds.o0!.main).every((p) => / -O0 /.test(p))).toBe(true);
    expect(hookCalls(builds.o0!.main).length).toBeGreaterThan(80);
  });

  it('every variant gives the same workload output', async () => {
    const digests = new Set<string>();
    for (const build of Object.values(builds)) digests.add((await bzip2.run(build.binaries, { size: 'quick' })).outputDigest);
    expect(digests.size).toBe(1);
  });
});
