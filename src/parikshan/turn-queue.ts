import type { ExchangeSummary } from './exchange-recorder.js';

export type TurnItemKind = 'data' | 'compare' | 'end' | 'reset';

/** A comparison waiting in the queue: production's answer to one client turn. */
export interface CompareRecord {
  /** ConnectionOrder event: when production answered. */
  event: number;
  /** Its head is not here: the link keeps it in QueuedHeads, which returned `headLength` for it. */
  production: ExchangeSummary;
  headLength: number;
  /** Offset in the fed stream where the client turn that production answered began. */
  requestOffset: number;
  /** What the record counts against the debug buffer. */
  cost: number;
}

const KINDS: TurnItemKind[] = ['data', 'data', 'compare', 'end', 'reset'];
const KIND_CODE = { data: 1, compare: 2, end: 3, reset: 4 } as const;

// Slots of an item: [kind, event, length, index, comparedLength, digest, outputOffset, headLength, requestOffset, cost].
const STRIDE = 10;
const KIND = 0;
const EVENT = 1;
const LENGTH = 2;
const INDEX = 3;
const COMPARED_LENGTH = 4;
const DIGEST = 5;
const OUTPUT_OFFSET = 6;
const HEAD_LENGTH = 7;
const REQUEST_OFFSET = 8;
const COST = 9;

const INITIAL_ITEMS = 16;
/** An empty queue that grew past this many items gives its memory back. */
const SHRINK_ABOVE_ITEMS = 1024;

/**
 * A link's queue of turns for the replica, in order: data (the next `length`
 * bytes of the link's byte queue), a comparison, the end of the fed stream, a
 * reset. Items are numbers in one Float64Array ring, not objects: a replica
 * that lags keeps thousands of them per connection, and every object kept is
 * one more for the garbage collector to walk while production waits.
 */
export class TurnQueue {
  private slots = new Float64Array(INITIAL_ITEMS * STRIDE);
  private capacity = INITIAL_ITEMS;
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  headKind(): TurnItemKind | undefined {
    return this.count === 0 ? undefined : KINDS[this.slots[this.head * STRIDE + KIND]!];
  }

  headEvent(): number {
    return this.field(this.head, EVENT);
  }

  /** Bytes of the data item at the head; production's answer length for a comparison. */
  headLength(): number {
    return this.field(this.head, LENGTH);
  }

  headCompare(): CompareRecord {
    const at = this.head;
    return {
      event: this.field(at, EVENT),
      production: {
        index: this.field(at, INDEX),
        length: this.field(at, LENGTH),
        comparedLength: this.field(at, COMPARED_LENGTH),
        digest: this.field(at, DIGEST),
        head: NO_HEAD,
        outputOffset: this.field(at, OUTPUT_OFFSET),
      },
      headLength: this.field(at, HEAD_LENGTH),
      requestOffset: this.field(at, REQUEST_OFFSET),
      cost: this.field(at, COST),
    };
  }

  /** Appends `length` bytes of data; they join the last item when it is data too. */
  pushData(event: number, length: number): void {
    if (this.count > 0) {
      const last = (this.head + this.count - 1) % this.capacity;
      if (this.slots[last * STRIDE + KIND] === KIND_CODE.data) {
        this.slots[last * STRIDE + LENGTH]! += length;
        return;
      }
    }
    const at = this.append(KIND_CODE.data, event);
    this.slots[at + LENGTH] = length;
  }

  pushCompare(record: CompareRecord): void {
    const at = this.append(KIND_CODE.compare, record.event);
    const { production } = record;
    const slots = this.slots;
    slots[at + LENGTH] = production.length;
    slots[at + INDEX] = production.index;
    slots[at + COMPARED_LENGTH] = production.comparedLength;
    slots[at + DIGEST] = production.digest;
    slots[at + OUTPUT_OFFSET] = production.outputOffset;
    slots[at + HEAD_LENGTH] = record.headLength;
    slots[at + REQUEST_OFFSET] = record.requestOffset;
    slots[at + COST] = record.cost;
  }

  pushMarker(kind: 'end' | 'reset', event: number): void {
    this.append(KIND_CODE[kind], event);
  }

  shift(): void {
    if (this.count === 0) return;
    this.head = (this.head + 1) % this.capacity;
    if (--this.count === 0) this.clear();
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    if (this.capacity > SHRINK_ABOVE_ITEMS) {
      this.capacity = INITIAL_ITEMS;
      this.slots = new Float64Array(INITIAL_ITEMS * STRIDE);
    }
  }

  /** Adds an item of `kind` at the tail; returns the index of its first slot. */
  private append(kind: number, event: number): number {
    if (this.count === this.capacity) this.grow();
    const at = ((this.head + this.count) % this.capacity) * STRIDE;
    this.count++;
    this.slots[at + KIND] = kind;
    this.slots[at + EVENT] = event;
    return at;
  }

  private grow(): void {
    const slots = new Float64Array(this.capacity * 2 * STRIDE);
    const firstPart = (this.capacity - this.head) * STRIDE;
    slots.set(this.slots.subarray(this.head * STRIDE), 0);
    slots.set(this.slots.subarray(0, this.head * STRIDE), firstPart);
    this.slots = slots;
    this.head = 0;
    this.capacity *= 2;
  }

  private field(item: number, slot: number): number {
    return this.slots[item * STRIDE + slot]!;
  }
}

const NO_HEAD = Buffer.alloc(0);
