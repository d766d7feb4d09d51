/** Draining the per-thread event rings (trace mode), exited threads included. */
import type { ShmMapping } from '../native/shm.js';
import {
  EVENT,
  EVENT_FLAG_UNWOUND,
  EVENT_SIZE,
  EventKind,
  SLOT,
  SLOT_SIZE,
  type SegmentHeader,
} from './layout.js';
import type { TimedEvent } from './timeline.js';

export interface RuntimeEvent {
  ticks: bigint;
  kind: 'entry' | 'exit' | 'point';
  /** Function address; for a point, the traced function it happened in (0 if none). */
  function: number;
  /** Call site (entry/exit) or point address. */
  site: number;
  tid: number;
  /** Shadow-stack depth of the frame, 1 = outermost. */
  depth: number;
  /** An exit the runtime made up because the real one was skipped (longjmp, exception, thread exit). */
  unwound: boolean;
}

const KINDS: Record<number, RuntimeEvent['kind']> = {
  [EventKind.Entry]: 'entry',
  [EventKind.Exit]: 'exit',
  [EventKind.Point]: 'point',
};

const TWO_32 = 2 ** 32;
const u64 = (buf: Buffer, at: number) => buf.readUInt32LE(at + 4) * TWO_32 + buf.readUInt32LE(at);

/**
 * decodeEvents straight into nanoseconds since `anchorTicks`, without BigInt
 * per event: the fast path for large traces. Tick differences stay exact
 * below 2^53 (months of TSC ticks).
 */
export function decodeTimedEvents(
  buf: Buffer,
  anchorTicks: bigint,
  durationNs: (ticks: number) => number,
): TimedEvent[] {
  const anchorHigh = Number(anchorTicks >> 32n);
  const anchorLow = Number(anchorTicks & 0xffffffffn);
  const events: TimedEvent[] = [];
  for (let at = 0; at + EVENT_SIZE <= buf.length; at += EVENT_SIZE) {
    const kind = KINDS[buf[at + EVENT.kind]!];
    if (!kind) continue;
    const ticks =
      (buf.readUInt32LE(at + EVENT.ticks + 4) - anchorHigh) * TWO_32 + (buf.readUInt32LE(at + EVENT.ticks) - anchorLow);
    events.push({
      ns: durationNs(ticks),
      kind,
      function: u64(buf, at + EVENT.function),
      site: u64(buf, at + EVENT.site),
      tid: buf.readUInt32LE(at + EVENT.tid),
      depth: buf.readUInt16LE(at + EVENT.depth),
      unwound: (buf[at + EVENT.flags]! & EVENT_FLAG_UNWOUND) !== 0,
    });
  }
  return events;
}

export function decodeEvents(buf: Buffer): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  for (let at = 0; at + EVENT_SIZE <= buf.length; at += EVENT_SIZE) {
    const kind = KINDS[buf.readUInt8(at + EVENT.kind)];
    if (!kind) continue;
    events.push({
      ticks: buf.readBigUInt64LE(at + EVENT.ticks),
      kind,
      function: Number(buf.readBigUInt64LE(at + EVENT.function)),
      site: Number(buf.readBigUInt64LE(at + EVENT.site)),
      tid: buf.readUInt32LE(at + EVENT.tid),
      depth: buf.readUInt16LE(at + EVENT.depth),
      unwound: (buf.readUInt8(at + EVENT.flags) & EVENT_FLAG_UNWOUND) !== 0,
    });
  }
  return events;
}

/**
 * Takes every pending event from every thread ring that was ever used; each
 * thread's events come out in the order it wrote them. Draining frees ring
 * space (and lets exited threads' slots be reused).
 */
export function drainEvents(mapping: ShmMapping, header: SegmentHeader, maxPerThread = header.ringCapacity): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  for (const raw of drainRawEvents(mapping, header, maxPerThread)) for (const event of decodeEvents(raw)) events.push(event);
  return events;
}

/**
 * drainEvents without the decoding: one buffer of EVENT_SIZE records per
 * thread ring. Cheap enough to keep up with a busy program; decode later.
 */
export function drainRawEvents(mapping: ShmMapping, header: SegmentHeader, maxPerThread = header.ringCapacity): Buffer[] {
  const chunks: Buffer[] = [];
  const slots = Math.min(header.slotsUsed, header.threadCapacity);
  for (let slot = 0; slot < slots; slot++) {
    const slotOffset = header.slotsOffset + slot * SLOT_SIZE;
    const raw = mapping.drain(
      {
        writeIndexOffset: slotOffset + SLOT.writeIndex,
        readIndexOffset: slotOffset + SLOT.readIndex,
        eventsOffset: header.ringsOffset + slot * header.ringCapacity * EVENT_SIZE,
        capacity: header.ringCapacity,
        eventSize: EVENT_SIZE,
      },
      maxPerThread,
    );
    if (raw.length > 0) chunks.push(raw);
  }
  return chunks;
}

/** Events dropped because a ring was full, summed over all slots. */
export function ringFullDrops(mapping: ShmMapping, header: SegmentHeader): number {
  let dropped = 0;
  const slots = Math.min(header.slotsUsed, header.threadCapacity);
  for (let slot = 0; slot < slots; slot++) {
    dropped += Number(mapping.load64(header.slotsOffset + slot * SLOT_SIZE + SLOT.dropped));
  }
  return dropped;
}
