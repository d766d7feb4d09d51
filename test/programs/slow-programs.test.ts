import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import { programByName } from '../../src/bench/programs/catalog/index.js';
import { instrumentedVariant, parseVariant, plainVariant } from '../../src/bench/programs/variant.js';
import { dynamicFlags, elfType, hookCalls, producers } from './elf-inspect.js';

// The heavier programs' build checks: CI builds, coldpatches and runs each of
// them in Debian's default layout (test/coldpatch/debian-program.test.ts), and
// checks the flag matrix on bzip2 alone (flag-matrix.test.ts). Reaching every
// compilation unit of a program with the whole matrix is minutes of compiling,
// so only with IPROBE_SLOW_TESTS=1.
const slow = process.env.IPROBE_SLOW_TESTS === '1';
const everything = parseVariant('O2+instrumented+cf-protection+no-plt+full-relro+no-pie');

/** Compilation units of C code (not assembly files, whose producer is the assembler). */
const cUnits = (binary: string) => producers(binary).filter((p) => p.startsWith('GNU C'));

describe.runIf(slow).each(['lz4', 'lua', 'zstd', 'sqlite3', 'redis'])('%s (IPROBE_SLOW_TESTS)', (name) => {
  const program = programByName(name);

  it(
    'instruments every C compilation unit, and only in the instrumented build',
    async () => {
      const plain = await buildProgram(name, plainVariant);
      const instrumented = await buildProgram(name, instrumentedVariant);
      expect(hookCalls(plain.main)).toEqual([]);
      expect(hookCalls(instrumented.main).length).toBeGreaterThan(100);
      expect(cUnits(instrumented.main).every((p) => p.includes('-finstrument-functions'))).toBe(true);
    },
    900_000,
  );

  it(
    'builds the whole flag matrix at once into every compilation unit, with the same output',
    async () => {
      const built = await buildProgram(name, everything);
      expect(elfType(built.main)).toBe('EXEC');
      expect(dynamicFlags(built.main)).toContain('BIND_NOW');
      const calls = hookCalls(built.main);
      expect(calls.length).toBeGreaterThan(100);
      expect(calls.every((c) => c.via === 'got' && c.bytes.length === 6)).toBe(true);
      for (const unit of cUnits(built.main)) {
        expect(unit).toMatch(/ -O2 .*-finstrument-functions.*-fcf-protection=full.*-fno-plt.*-fno-pie/);
      }
      const plain = await buildProgram(name, plainVariant);
      const [a, b] = [await program.run(plain.binaries, { size: 'quick' }), await program.run(built.binaries, { size: 'quick' })];
      expect(b.outputDigest).toBe(a.outputDigest);
    },
    900_000,
  );
});
