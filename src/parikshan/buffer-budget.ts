/**
 * The --total-buffer bound shared by all connections: a connection reserves
 * bytes before queueing them for the replica and releases them once they are
 * handed to the replica's socket or discarded.
 */
export class BufferBudget {
  private usedBytes = 0;

  constructor(readonly limitBytes: number) {}

  get used(): number {
    return this.usedBytes;
  }

  /** Reserves `bytes` unless that would take the total past the limit. */
  tryReserve(bytes: number): boolean {
    if (this.usedBytes + bytes > this.limitBytes) return false;
    this.usedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) throw new Error(`buffer budget released more than reserved (${this.usedBytes})`);
  }
}
