/**
 * Seeded, reproducible damage to ELF files for mutation tests: byte changes
 * and boundary-value words aimed at the regions parsing decisions are made
 * from (ELF header, program and section headers, symbol and relocation
 * tables, code), and truncations. The same seed always gives the same bytes
 * and the same description, so a failure names everything needed to replay it.
 */
import { parseElf } from '../../src/elf/elf-file.js';

/** mulberry32: a small, fast 32-bit PRNG; plenty for choosing mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 2 ** 32) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** A per-case seed from the run's seed and the case's coordinates (same inputs, same seed). */
export function caseSeed(runSeed: number, ...coordinates: number[]): number {
  let h = runSeed >>> 0;
  for (const c of coordinates) {
    h = Math.imul(h ^ (c >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A byte range of the seed file worth aiming at. */
export interface Region {
  name: string;
  start: number;
  end: number;
}

/** Where the decisions are made: headers, tables, code, plus "first 4 KiB" and "anywhere". */
export function regionsOf(bytes: Buffer): Region[] {
  const elf = parseElf(bytes);
  const regions: Region[] = [
    { name: 'first 4 KiB', start: 0, end: Math.min(4096, bytes.length) },
    { name: 'anywhere', start: 0, end: bytes.length },
    { name: 'ELF header', start: 0, end: 64 },
  ];
  const phoff = Number(bytes.readBigUInt64LE(32));
  const shoff = Number(bytes.readBigUInt64LE(40));
  regions.push({ name: 'program headers', start: phoff, end: phoff + 56 * bytes.readUInt16LE(56) });
  regions.push({ name: 'section headers', start: shoff, end: shoff + 64 * bytes.readUInt16LE(60) });
  const named = ['.dynsym', '.symtab', '.rela.plt', '.rela.dyn', '.dynamic', '.text', '.plt', '.plt.sec', '.plt.got', '.got', 'iprobe_points', '__patchable_function_entries'];
  for (const name of named) {
    const s = elf.sections.find((x) => x.name === name);
    if (s && s.data.length > 0) regions.push({ name, start: s.offset, end: s.offset + s.data.length });
  }
  return regions;
}

/** Values that sit on the edges parsers get wrong. */
const BOUNDARY_VALUES = [0n, 1n, 7n, 8n, 0x18n, 0x40n, 0x1000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 47n, (1n << 63n) - 1n, (1n << 64n) - 1n];

export interface MutatedBinary {
  bytes: Buffer;
  /** One line per change, e.g. "byte .symtab+0x1a8 0x12->0xff". */
  changes: string[];
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/**
 * 1–3 changes to a copy of `seed`: single bytes (set or bit-flipped), aligned
 * 4/8-byte words set to a boundary value or a value near the old one, or a
 * truncation (always the last change).
 */
export function mutate(seed: Buffer, regions: readonly Region[], rng: Rng): MutatedBinary {
  let bytes = Buffer.from(seed);
  const changes: string[] = [];
  const count = 1 + rng.below(3);
  for (let n = 0; n < count; n++) {
    const kind = rng.below(10);
    if (kind === 0) {
      const length = rng.below(bytes.length);
      bytes = bytes.subarray(0, length);
      changes.push(`truncate to ${length} of ${seed.length} bytes`);
      break;
    }
    const region = rng.pick(regions);
    const span = Math.min(region.end, bytes.length) - region.start;
    if (span <= 0) continue;
    if (kind <= 5) {
      const at = region.start + rng.below(span);
      const old = bytes[at]!;
      const value = kind <= 2 ? rng.below(256) : old ^ (1 << rng.below(8));
      bytes[at] = value;
      changes.push(`byte ${region.name}+${hex(at - region.start)} (file ${hex(at)}) ${hex(old)}->${hex(value)}`);
      continue;
    }
    const width = kind <= 7 ? 4 : 8;
    if (span < width) continue;
    const at = region.start + Math.floor(rng.below(span - width + 1) / width) * width;
    const old = width === 4 ? BigInt(bytes.readUInt32LE(at)) : bytes.readBigUInt64LE(at);
    const mask = (1n << BigInt(8 * width)) - 1n;
    const value = rng.below(2) === 0 ? rng.pick(BOUNDARY_VALUES) & mask : (old + BigInt(rng.below(65) - 32)) & mask;
    if (width === 4) bytes.writeUInt32LE(Number(value), at);
    else bytes.writeBigUInt64LE(value, at);
    changes.push(`u${8 * width} ${region.name}+${hex(at - region.start)} (file ${hex(at)}) ${hex(old)}->${hex(value)}`);
  }
  return { bytes, changes };
}
