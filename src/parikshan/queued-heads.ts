import { ByteQueue } from './byte-queue.js';
import { EXCHANGE_HEAD_BYTES } from './exchange-recorder.js';

/** What `put` returns for a head that repeats the one queued just before it. */
export const REPEATED_HEAD = -1;

/**
 * The heads of production's answers waiting to be compared, in order. A head
 * equal to the one queued just before it is not stored again: answers to the
 * same request (a page, a status line) repeat, and a replica that lags would
 * otherwise hold a KiB per request for nothing, memory that production's
 * process has to allocate and its collector to account while it waits.
 */
export class QueuedHeads {
  private readonly queued = new ByteQueue();
  private readonly lastPut = Buffer.allocUnsafeSlow(EXCHANGE_HEAD_BYTES);
  private lastPutLength = -1;
  private readonly lastTaken = Buffer.allocUnsafeSlow(EXCHANGE_HEAD_BYTES);
  private lastTakenLength = 0;

  /** Whether `head` is the same as the head queued last, so that `put` would store nothing. */
  repeats(head: Buffer): boolean {
    return head.length === this.lastPutLength && head.equals(this.lastPut.subarray(0, head.length));
  }

  /** Queues a copy of `head`; returns the bytes it takes, or REPEATED_HEAD. */
  put(head: Buffer): number {
    if (this.repeats(head)) return REPEATED_HEAD;
    this.lastPutLength = head.copy(this.lastPut);
    this.queued.append(head);
    return head.length;
  }

  /** Takes the next head, `stored` as `put` returned it; the result is valid until the next `take`. */
  take(stored: number): Buffer {
    if (stored !== REPEATED_HEAD) {
      let length = 0;
      this.queued.take(stored, (piece) => (length += piece.copy(this.lastTaken, length)));
      this.lastTakenLength = length;
    }
    return this.lastTaken.subarray(0, this.lastTakenLength);
  }

  clear(): void {
    this.queued.clear();
    this.lastPutLength = -1;
  }
}
