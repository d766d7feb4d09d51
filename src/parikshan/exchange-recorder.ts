import type { NoiseFilter } from './noise-filter.js';
import { StreamHash } from './stream-hash.js';

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
  /** StreamHash of the compared bytes. */
  digest: number;
  /** First EXCHANGE_HEAD_BYTES of the compared (masked) bytes; the recorder's own buffer, valid until it records again. */
  head: Buffer;
  /** Where the exchange starts in this side's output stream. */
  outputOffset: number;
}

/**
 * Accumulates one side's output for one exchange: a streaming hash plus the
 * head. One recorder serves a side's exchanges one after the other, with one
 * head buffer, so recording allocates nothing per exchange but the summary;
 * whoever keeps a summary for later copies its head.
 */
export class ExchangeRecorder {
  private readonly hash = new StreamHash();
  private head: Buffer | undefined;
  private headBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private rawLength = 0;

  constructor(
    private exchangeIndex: number,
    private outputOffset: number,
    private readonly filter: NoiseFilter | undefined,
  ) {}

  get index(): number {
    return this.exchangeIndex;
  }

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

  /** Ends the exchange and returns its summary; the recorder then records the next one, from `nextOutputOffset` in the side's output. */
  finish(nextOutputOffset: number): ExchangeSummary {
    this.flushPending();
    const summary: ExchangeSummary = {
      index: this.exchangeIndex,
      length: this.rawLength,
      comparedLength: this.hash.length,
      digest: this.hash.digest(),
      head: this.head ? this.head.subarray(0, this.headBytes) : EMPTY_HEAD,
      outputOffset: this.outputOffset,
    };
    this.exchangeIndex++;
    this.outputOffset = nextOutputOffset;
    this.hash.reset();
    this.headBytes = 0;
    this.rawLength = 0;
    return summary;
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
    this.hash.update(bytes);
    if (this.headBytes < EXCHANGE_HEAD_BYTES) {
      // Copied: the chunk's memory belongs to a socket read and may be large.
      this.head ??= Buffer.allocUnsafeSlow(EXCHANGE_HEAD_BYTES);
      this.headBytes += bytes.copy(this.head, this.headBytes, 0, EXCHANGE_HEAD_BYTES - this.headBytes);
    }
  }
}

const EMPTY_HEAD = Buffer.alloc(0);

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
