/**
 * The ELF reader and the site scan must never crash or hang on damaged
 * input: mutated copies of a real fixture either analyse or fail with an
 * ElfFormatError, each within a time bound. Mutations aim at what parsing
 * decisions are made from: header fields, section headers, symbol,
 * relocation and dynamic entries, and the code itself.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { findHookBranches } from '../../src/coldpatch/hook-branches.js';
import { findHookTargets } from '../../src/coldpatch/hook-targets.js';
import { findProbePoints } from '../../src/coldpatch/iprobe-points.js';
import { findPatchableEntries } from '../../src/coldpatch/patchable-entries.js';
import { readDynamicInfo } from '../../src/elf/dynamic-section.js';
import { parseElf, type ElfFile } from '../../src/elf/elf-file.js';
import { ElfFormatError } from '../../src/elf/elf-format-error.js';
import { buildId } from '../../src/elf/notes.js';
import { readRelocations } from '../../src/elf/relocations.js';
import { dynamicSymbols, staticSymbols } from '../../src/elf/symbol-table.js';
import { compile, VARIANT_MATRIX, variantFlags } from '../support/compile.js';
import { fixture } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('fuzz');
let seed: Buffer;
let seedElf: ElfFile;

beforeAll(async () => {
  const flags = variantFlags(VARIANT_MATRIX[4]!, true);
  const bin = await compile({
    sources: [fixture('points/points.c')],
    output: path.join(dir, 'seed'),
    flags: [...flags.compile, ...flags.link],
  });
  seed = readFileSync(bin);
  seedElf = parseElf(seed);
});

function analyse(bytes: Buffer): void {
  const elf = parseElf(bytes);
  const symbols = [...staticSymbols(elf), ...dynamicSymbols(elf)];
  const relocations = readRelocations(elf);
  const targets = findHookTargets(elf, symbols, relocations);
  findHookBranches(elf, targets);
  findPatchableEntries(elf, relocations);
  findProbePoints(elf, relocations);
  buildId(elf);
  readDynamicInfo(elf);
}

const INTERESTING = [0n, 1n, 7n, 8n, 24n, 0x40n, 0x1000n, 0xffffn, 0x7fffffffn, 0xffffffffn, 1n << 47n, (1n << 64n) - 1n];
const value64 = fc.oneof(fc.constantFrom(...INTERESTING), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

type Mutation = (bytes: Buffer) => Buffer;

const SECTION_FIELDS = [4, 8, 16, 24, 32, 40, 44, 48, 56];

/** Overwrites a field of a section header with a boundary value. */
const sectionHeaderField = fc
  .record({ section: fc.nat(), field: fc.constantFrom(...SECTION_FIELDS), value: value64 })
  .map(({ section, field, value }): Mutation => (bytes) => {
    const shoff = Number(seed.readBigUInt64LE(40));
    const at = shoff + 64 * (section % seedElf.sections.length) + field;
    const width = field === 4 || field === 40 || field === 44 ? 4 : 8;
    if (at + width <= bytes.length) {
      if (width === 4) bytes.writeUInt32LE(Number(value & 0xffffffffn), at);
      else bytes.writeBigUInt64LE(value, at);
    }
    return bytes;
  });

/** Overwrites an 8-byte word inside a symbol, relocation, dynamic or note section. */
const tableWord = fc
  .record({ section: fc.constantFrom('.dynsym', '.symtab', '.rela.dyn', '.rela.plt', '.dynamic', '.note.gnu.build-id', 'iprobe_points'), index: fc.nat(), value: value64 })
  .map(({ section, index, value }): Mutation => (bytes) => {
    const s = seedElf.sections.find((x) => x.name === section);
    const at = s && s.size >= 8 ? s.offset + 8 * (index % Math.floor(s.size / 8)) : -1;
    if (at >= 0 && at + 8 <= bytes.length) bytes.writeBigUInt64LE(value, at);
    return bytes;
  });

const headerByte = fc
  .record({ at: fc.integer({ min: 0, max: 63 }), value: fc.integer({ min: 0, max: 255 }) })
  .map(({ at, value }): Mutation => (bytes) => {
    if (at < bytes.length) bytes[at] = value;
    return bytes;
  });

const anyByte = fc
  .record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) })
  .map(({ at, value }): Mutation => (bytes) => {
    if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes;
  });

const truncate = fc.nat().map((n): Mutation => (bytes) => bytes.subarray(0, bytes.length ? n % bytes.length : 0));

const mutation = fc.oneof(
  { arbitrary: sectionHeaderField, weight: 4 },
  { arbitrary: tableWord, weight: 4 },
  { arbitrary: anyByte, weight: 3 },
  { arbitrary: headerByte, weight: 1 },
  { arbitrary: truncate, weight: 1 },
);

test('mutated binaries analyse or fail with ElfFormatError, never crash or hang', () => {
  let analysed = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      let bytes: Buffer = Buffer.from(seed);
      for (const m of mutations) bytes = m(bytes);
      const started = Date.now();
      try {
        analyse(bytes);
        analysed++;
      } catch (err) {
        if (!(err instanceof ElfFormatError)) throw err;
        refused++;
      }
      expect(Date.now() - started).toBeLessThan(2_000);
    }),
    { numRuns: Number(process.env.IPROBE_FUZZ_RUNS ?? 3000), interruptAfterTimeLimit: Number(process.env.IPROBE_FUZZ_SECONDS ?? 25) * 1000 },
  );
  // The mutations must reach the deep analysis, not just bounce off the header checks.
  expect(analysed).toBeGreaterThan(refused / 4);
});
