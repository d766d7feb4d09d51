import { Fifo } from './fifo.js';

/** What ConnectionOrder keeps per connection; owned by it, held by the connection's link. */
export interface OrderEntry {
  /** Number of the oldest event the replica still owes on this connection; Infinity when it owes nothing. */
  owedSince: number;
  heapIndex: number;
}

/**
 * Production's order across connections, for the replica. A client that opens
 * a connection after reading another's answers may depend on what that one
 * did (a list pushed, a key set); production applied it first, so must the
 * replica, however far it lags. Every event of production's (bytes received,
 * an answer sent) gets an increasing number; a new connection is fed to the
 * replica only once the replica has been given, and has answered, every event
 * numbered before the connection opened. Connections open at the same time
 * stay concurrent.
 *
 * The connections that owe something are kept in a binary heap by their
 * oldest owed event, so opening a connection and every update cost at most
 * O(log connections), whatever the number of connections left behind by a
 * stalled replica.
 */
export class ConnectionOrder {
  private lastEvent = 0;
  private readonly owing: OrderEntry[] = [];
  private readonly waiting = new Fifo<{ after: number; start: () => void }>();

  /** A number for a new event, greater than every number given before. */
  nextEvent(): number {
    return ++this.lastEvent;
  }

  entry(): OrderEntry {
    return { owedSince: Infinity, heapIndex: -1 };
  }

  /** Calls `start` once nothing numbered so far is owed to the replica any more (at once if nothing is). */
  startAfterOwed(start: () => void): void {
    const after = this.lastEvent;
    if (this.oldestOwed() > after) start();
    else this.waiting.push({ after, start });
  }

  /** Records that the connection's oldest owed event is now `since` (Infinity: it owes nothing, or it is gone). */
  setOwed(entry: OrderEntry, since: number): void {
    if (entry.owedSince === since) return;
    const grew = since > entry.owedSince;
    entry.owedSince = since;
    if (entry.heapIndex < 0) {
      if (since === Infinity) return;
      entry.heapIndex = this.owing.push(entry) - 1;
      this.siftUp(entry.heapIndex);
      return;
    }
    if (since === Infinity) this.remove(entry);
    else if (grew) this.siftDown(entry.heapIndex);
    else this.siftUp(entry.heapIndex);
    if (grew) this.releaseWaiting();
  }

  private oldestOwed(): number {
    return this.owing.length > 0 ? this.owing[0]!.owedSince : Infinity;
  }

  private releaseWaiting(): void {
    const oldest = this.oldestOwed();
    for (let next = this.waiting.peek(); next && next.after < oldest; next = this.waiting.peek()) {
      this.waiting.shift();
      next.start();
    }
  }

  private remove(entry: OrderEntry): void {
    const at = entry.heapIndex;
    const last = this.owing.pop()!;
    entry.heapIndex = -1;
    if (last === entry) return;
    this.owing[at] = last;
    last.heapIndex = at;
    this.siftDown(at);
    this.siftUp(at);
  }

  private siftUp(at: number): void {
    const heap = this.owing;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent]!.owedSince <= heap[at]!.owedSince) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.owing;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < heap.length && heap[left]!.owedSince < heap[smallest]!.owedSince) smallest = left;
      if (right < heap.length && heap[right]!.owedSince < heap[smallest]!.owedSince) smallest = right;
      if (smallest === at) return;
      this.swap(at, smallest);
      at = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.owing;
    const entryA = heap[a]!;
    const entryB = heap[b]!;
    heap[a] = entryB;
    heap[b] = entryA;
    entryA.heapIndex = b;
    entryB.heapIndex = a;
  }
}
