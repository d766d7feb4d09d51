/* The per-thread event ring: single producer (the owning thread), single
 * consumer (the reader). The producer publishes an event by release-storing
 * write_index after filling it; the consumer frees space by release-storing
 * read_index after copying. A full ring drops the event and counts it. */
#ifndef IPROBE_RUNTIME_RING_H
#define IPROBE_RUNTIME_RING_H

#include "threads.h"

/* An event that will not be in the ring: counted where the reader looks. */
IPROBE_INLINE void iprobe_ring_count_drop(struct iprobe_thread *t) {
  if (t->slot) {
    IPROBE_BUMP(&t->slot->dropped, 1);
  } else {
    IPROBE_ADD(&iprobe_rt.header->slotless_drops, 1);
  }
}

/* Returns 1 if the event was recorded. */
IPROBE_INLINE int iprobe_ring_record(struct iprobe_thread *t, uint32_t kind, uint32_t flags, uint64_t function,
                                     uint64_t site, uint64_t ticks, uint32_t depth) {
  if (IPROBE_UNLIKELY(!t->ring)) {
    iprobe_ring_count_drop(t);
    return 0;
  }
  uint64_t w = t->write_index;
  uint64_t mask = iprobe_rt.ring_capacity - 1;
  if (IPROBE_UNLIKELY(w - t->cached_read_index > mask)) {
    t->cached_read_index = IPROBE_LOAD_ACQUIRE(&t->slot->read_index);
    if (w - t->cached_read_index > mask) {
      iprobe_ring_count_drop(t);
      return 0;
    }
  }
  struct iprobe_event *e = &t->ring[w & mask];
  e->ticks = ticks;
  e->function = function;
  e->site = site;
  e->tid = t->tid;
  e->kind = (uint8_t)kind;
  e->flags = (uint8_t)flags;
  e->depth = depth > UINT16_MAX ? UINT16_MAX : (uint16_t)depth;
  t->write_index = w + 1;
  IPROBE_STORE_RELEASE(&t->slot->write_index, w + 1);
  return 1;
}

#endif
