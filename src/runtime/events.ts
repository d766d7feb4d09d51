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
    for (const event of decodeEvents(raw)) events.push(event);
  }
  return events;
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
