import { Fifo } from './fifo.js';

/**
 * Small appends are copied into blocks of this size, so that a long queue is a
 * few large buffers, not one small buffer per socket read: the garbage
 * collector walks and moves every object a queue holds, while production's
 * requests wait.
 */
export const BYTE_QUEUE_BLOCK_BYTES = 16 * 1024;

const FIRST_BLOCK_BYTES = 1024;

/** Appends at least this large are kept as they are: they already are the kind of buffer the queue should hold. */
const KEEP_AS_IS_BYTES = BYTE_QUEUE_BLOCK_BYTES / 2;

interface Block {
  bytes: Buffer;
  /** Taken up to here. */
  start: number;
  /** Filled up to here. */
  end: number;
}

/** A first-in first-out queue of bytes, stored in large blocks. */
export class ByteQueue {
  private readonly blocks = new Fifo<Block>();
  private queued = 0;

  get length(): number {
    return this.queued;
  }

  /** Appends `chunk`; the queue keeps it (large) or a copy of it (small), so the caller must not change it afterwards. */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queued += chunk.length;
    const last = this.blocks.peekLast();
    if (last && last.bytes.length - last.end >= chunk.length) {
      chunk.copy(last.bytes, last.end);
      last.end += chunk.length;
    } else if (chunk.length >= KEEP_AS_IS_BYTES) {
      this.blocks.push({ bytes: chunk, start: 0, end: chunk.length });
    } else {
      // Blocks grow with the queue: one that empties at once (a replica a moment behind) is a small slice
      // of Node's shared buffer pool, not 16 KiB of fresh memory per request for the collector to account.
      const size = Math.min(BYTE_QUEUE_BLOCK_BYTES, Math.max(FIRST_BLOCK_BYTES, 2 * this.queued));
      const bytes = Buffer.allocUnsafe(size);
      chunk.copy(bytes);
      this.blocks.push({ bytes, start: 0, end: chunk.length });
    }
  }

  /** Removes the first `count` bytes and hands them to `consume` in pieces, in order; a piece stays valid after. */
  take(count: number, consume: (piece: Buffer) => void): void {
    if (count > this.queued) throw new Error(`byte queue: ${count} bytes asked, ${this.queued} queued`);
    this.queued -= count;
    while (count > 0) {
      const block = this.blocks.peek()!;
      const size = Math.min(count, block.end - block.start);
      const piece = block.start === 0 && size === block.bytes.length ? block.bytes : block.bytes.subarray(block.start, block.start + size);
      block.start += size;
      count -= size;
      // Pieces handed out are never written over: appends go past `end`, and an emptied block is dropped.
      if (block.start === block.end) this.blocks.shift();
      consume(piece);
    }
  }

  clear(): void {
    this.blocks.clear();
    this.queued = 0;
  }
}
