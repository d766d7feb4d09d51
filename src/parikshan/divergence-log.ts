import { firstDifference, type ExchangeSummary } from './exchange-recorder.js';

/** How many divergent exchanges are kept for inspection (the most recent ones). */
export const DIVERGENCE_SAMPLE_SIZE = 32;

const EXCERPT_BYTES = 48;
const EXCERPT_CONTEXT = 16;

export interface DivergenceSample {
  at: string;
  connection: number;
  exchange: number;
  /** Offset in the stream fed to both sides (client bytes for the duplicator) where this turn began. */
  requestOffset: number;
  productionOffset: number;
  replicaOffset: number;
  productionLength: number;
  replicaLength: number;
  /** First differing byte, counted in the compared bytes (after --ignore); null if beyond the retained head (1 KiB). */
  firstDifference: number | null;
  /** The bytes around the first difference, escaped: printable ASCII as is, the rest as \xNN. */
  production: string;
  replica: string;
  /** The replica had not produced production's number of bytes within --exchange-timeout. */
  timedOut: boolean;
}

export interface DivergenceCounts {
  compared: number;
  divergent: number;
  timedOut: number;
}

/** Counts compared and divergent exchanges and keeps a bounded sample of the divergent ones. */
export class DivergenceLog {
  private counts: DivergenceCounts = { compared: 0, divergent: 0, timedOut: 0 };
  private ring: DivergenceSample[] = [];
  private next = 0;

  get totals(): Readonly<DivergenceCounts> {
    return this.counts;
  }

  /** Divergent exchanges over compared ones; 0 before anything was compared. */
  get rate(): number {
    return this.counts.compared === 0 ? 0 : this.counts.divergent / this.counts.compared;
  }

  recordMatch(): void {
    this.counts.compared++;
  }

  recordDivergence(
    connection: number,
    requestOffset: number,
    production: ExchangeSummary,
    replica: ExchangeSummary,
    timedOut: boolean,
  ): DivergenceSample {
    this.counts.compared++;
    this.counts.divergent++;
    if (timedOut) this.counts.timedOut++;
    const difference = firstDifference(production, replica);
    const from = Math.max(0, (difference ?? 0) - EXCERPT_CONTEXT);
    const sample: DivergenceSample = {
      at: new Date().toISOString(),
      connection,
      exchange: production.index,
      requestOffset,
      productionOffset: production.outputOffset,
      replicaOffset: replica.outputOffset,
      productionLength: production.length,
      replicaLength: replica.length,
      firstDifference: difference ?? null,
      production: escapeBytes(production.head.subarray(from, from + EXCERPT_BYTES)),
      replica: escapeBytes(replica.head.subarray(from, from + EXCERPT_BYTES)),
      timedOut,
    };
    if (this.ring.length < DIVERGENCE_SAMPLE_SIZE) this.ring.push(sample);
    else this.ring[this.next] = sample;
    this.next = (this.next + 1) % DIVERGENCE_SAMPLE_SIZE;
    return sample;
  }

  /** The retained samples, oldest first. */
  samples(): DivergenceSample[] {
    if (this.ring.length < DIVERGENCE_SAMPLE_SIZE) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  reset(): void {
    this.counts = { compared: 0, divergent: 0, timedOut: 0 };
    this.ring = [];
    this.next = 0;
  }
}

export function escapeBytes(bytes: Buffer): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x0d) text += '\\r';
    else if (byte === 0x0a) text += '\\n';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}
