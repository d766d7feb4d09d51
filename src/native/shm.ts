/** Typed wrapper of the addon's shared-memory mapping (reader side of the runtime's segment). */
import { loadAddon } from './load-addon.js';

export interface RingLocation {
  writeIndexOffset: number;
  readIndexOffset: number;
  eventsOffset: number;
  capacity: number;
  eventSize: number;
}

interface RawShmSegment {
  size(): number;
  read(offset: number, length: number): Buffer;
  load32(offset: number): number;
  load64(offset: number): bigint;
  store32(offset: number, value: number): void;
  store64(offset: number, value: bigint): void;
  add32(offset: number, delta: number): number;
  compareExchange32(offset: number, expected: number, desired: number): boolean;
  wake32(offset: number, count: number): number;
  drain(ring: RingLocation, maxEvents: number): Buffer;
  readStable(seqOffset: number, ranges: Float64Array, attempts: number): Buffer | null;
  close(): void;
}

interface ShmBinding {
  ShmSegment: new (path: string) => RawShmSegment;
  clockPair(): [bigint, bigint];
}

const binding = (): ShmBinding => loadAddon<ShmBinding>();

/** errno name of a failed map (ENOENT, EACCES, EPERM, ENODATA for an empty file, ...). */
export class ShmMapError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A read/write mapping of a whole segment file. Loads are acquire, stores
 * release; offsets are checked against the mapping, so a bad layout reads
 * garbage at worst, never outside the file.
 */
export class ShmMapping {
  private constructor(private readonly raw: RawShmSegment) {}

  static open(path: string): ShmMapping {
    try {
      return new ShmMapping(new (binding().ShmSegment)(path));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') throw new ShmMapError((err as Error).message, code);
      throw err;
    }
  }

  get size(): number {
    return this.raw.size();
  }
  read(offset: number, length: number): Buffer {
    return this.raw.read(offset, length);
  }
  load32(offset: number): number {
    return this.raw.load32(offset);
  }
  load64(offset: number): bigint {
    return this.raw.load64(offset);
  }
  store32(offset: number, value: number): void {
    this.raw.store32(offset, value);
  }
  store64(offset: number, value: bigint): void {
    this.raw.store64(offset, value);
  }
  add32(offset: number, delta: number): number {
    return this.raw.add32(offset, delta);
  }
  compareExchange32(offset: number, expected: number, desired: number): boolean {
    return this.raw.compareExchange32(offset, expected, desired);
  }
  /** Wakes up to `count` threads (of any process) futex-waiting on the 32-bit word at offset. */
  wake32(offset: number, count = 1): number {
    return this.raw.wake32(offset, count);
  }
  /** Copies a ring's pending events (at most maxEvents) and frees their space for the writer. */
  drain(ring: RingLocation, maxEvents: number): Buffer {
    return this.raw.drain(ring, maxEvents);
  }
  /** Copies [offset, length] ranges under the seqlock at seqOffset; null if it never held still. */
  readStable(seqOffset: number, ranges: readonly (readonly [number, number])[], attempts = 1000): Buffer | null {
    return this.raw.readStable(seqOffset, Float64Array.from(ranges.flat()), attempts);
  }
  close(): void {
    this.raw.close();
  }
}

/** A (TSC ticks, CLOCK_MONOTONIC ns) pair read back to back in this process. */
export function clockPair(): { ticks: bigint; ns: bigint } {
  const [ticks, ns] = binding().clockPair();
  return { ticks, ns };
}
