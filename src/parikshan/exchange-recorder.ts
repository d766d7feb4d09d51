import { createHash, type Hash } from 'node:crypto';
import type { NoiseFilter } from './noise-filter.js';

/**
 * How many leading bytes of each exchange are kept to show where two
 * exchanges differ: enough to get past an HTTP response's headers.
 */
export const EXCHANGE_HEAD_BYTES = 1024;

/**
 * With --ignore patterns, bytes are masked in windows of this size: a match
 * is found only inside one window, which bounds the memory per exchange.
 */
export const MASK_WINDOW_BYTES = 64 * 1024;

/** One side's response to one client turn, reduced to what comparison needs. */
export interface ExchangeSummary {
  /** 0 is what a side sends before the first client byte (a greeting); then one per client turn. */
  index: number;
  /** Raw bytes this side sent in the exchange. */
  length: number;
  /** Bytes left after removing --ignore ranges; these are what is hashed. */
  comparedLength: number;
  digest: string;
  /** First EXCHANGE_HEAD_BYTES of the compared (masked) bytes. */
  head: Buffer;
  /** Where the exchange starts in this side's output stream. */
  outputOffset: number;
}

const EMPTY_DIGEST = createHash('md5').digest('hex');

/** Accumulates one side's output for one exchange: a streaming hash plus the head. */
export class ExchangeRecorder {
  private hash: Hash | undefined;
  private headParts: Buffer[] = [];
  private headBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private rawLength = 0;
  private comparedBytes = 0;

  constructor(
    readonly index: number,
    readonly outputOffset: number,
    private readonly filter: NoiseFilter | undefined,
  ) {}

  get length(): number {
    return this.rawLength;
  }

  push(chunk: Buffer): void {
    this.rawLength += chunk.length;
    if (!this.filter) {
      this.absorb(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= MASK_WINDOW_BYTES) this.flushPending();
  }

  finish(): ExchangeSummary {
    this.flushPending();
    return {
      index: this.index,
      length: this.rawLength,
      comparedLength: this.comparedBytes,
      digest: this.hash ? this.hash.digest('hex') : EMPTY_DIGEST,
      head: this.headParts.length === 1 ? this.headParts[0]! : Buffer.concat(this.headParts),
      outputOffset: this.outputOffset,
    };
  }

  private flushPending(): void {
    if (this.pendingBytes === 0 || !this.filter) return;
    const window = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.absorb(this.filter.mask(window));
  }

  private absorb(bytes: Buffer): void {
    if (bytes.length === 0) return;
    (this.hash ??= createHash('md5')).update(bytes);
    this.comparedBytes += bytes.length;
    if (this.headBytes < EXCHANGE_HEAD_BYTES) {
      // Copy: the chunk's memory belongs to a socket read and may be large.
      const part = Buffer.from(bytes.subarray(0, EXCHANGE_HEAD_BYTES - this.headBytes));
      this.headParts.push(part);
      this.headBytes += part.length;
    }
  }
}

/** Exchanges match when their compared bytes hash alike. */
export function exchangesMatch(production: ExchangeSummary, replica: ExchangeSummary): boolean {
  return production.comparedLength === replica.comparedLength && production.digest === replica.digest;
}

/**
 * The offset of the first differing compared byte, when it lies within the
 * retained heads; undefined when the heads agree and the difference is further on.
 */
export function firstDifference(production: ExchangeSummary, replica: ExchangeSummary): number | undefined {
  const a = production.head;
  const b = replica.head;
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) if (a[i] !== b[i]) return i;
  // A head shorter than EXCHANGE_HEAD_BYTES is its whole exchange, which ends there.
  return a.length !== b.length ? common : undefined;
}
