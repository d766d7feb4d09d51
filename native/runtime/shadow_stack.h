/* The per-thread shadow stack: one frame per live instrumented activation,
 * so that an exit hook finds its entry's timestamp and the time its callees
 * took. Exit hooks can go missing: longjmp skips them (so do C++ exceptions
 * with compilers that do not call them from cleanup pads; gcc does), and a
 * mode switch can start the runtime between an entry and its exit. Frames
 * are matched by the stack pointer, which only grows down: a frame whose
 * recorded SP is below a new entry's SP cannot be that entry's caller, so it
 * is dead and is closed ("unwound") at that moment. A frame at the same SP
 * stays: a function gcc inlined into its caller calls its hooks from the
 * caller's own stack frame. (A sibling called again after a longjmp skipped
 * its exit leaves a stale frame behind; the next exit that searches below
 * the top closes it.) */
#ifndef IPROBE_RUNTIME_SHADOW_STACK_H
#define IPROBE_RUNTIME_SHADOW_STACK_H

#include "layout.h"
#include "ring.h"
#include "stats.h"
#include "threads.h"

/* How far below the top an exit hook looks for its entry before calling the
 * exit unmatched (frames above it were skipped, e.g. after alloca lowered SP). */
#define IPROBE_EXIT_SEARCH 16

IPROBE_INLINE void iprobe_frame_close(struct iprobe_thread *t, uint64_t now, uint64_t site, uint32_t flags) {
  struct iprobe_frame *f = &t->frames[t->depth - 1];
  uint64_t inclusive = now > f->start ? now - f->start : 0;
  uint64_t self = inclusive > f->children ? inclusive - f->children : 0;
  if (t->depth > 1) f[-1].children += inclusive;
  int outermost = 1;
  if (f->function != IPROBE_NO_FUNCTION && t->stats) {
    uint32_t *active = &t->stats[f->function].active;
    IPROBE_STORE(active, IPROBE_LOAD(active) - 1);
    outermost = IPROBE_LOAD(active) == 0;
  }
  iprobe_stat_time(t, f->function, inclusive, self, outermost);
  if (f->flags & IPROBE_FRAME_TRACED) {
    iprobe_ring_record(t, IPROBE_EVENT_EXIT, flags, f->address, site, now, t->depth);
  } else if (f->flags & IPROBE_FRAME_ENTRY_DROPPED) {
    iprobe_ring_count_drop(t); /* a lone exit would only confuse the reader */
  }
  t->depth--;
}

IPROBE_INLINE void iprobe_frame_unwind(struct iprobe_thread *t, uint64_t now) {
  IPROBE_ADD(&iprobe_rt.header->unwound_frames, 1);
  iprobe_frame_close(t, now, 0, IPROBE_EVENT_UNWOUND);
}

/* Returns the new frame, or NULL when the shadow stack is full. */
IPROBE_INLINE struct iprobe_frame *iprobe_frame_push(struct iprobe_thread *t, uint64_t address, uint32_t function,
                                                     uint64_t sp, uint64_t now) {
  if (t->depth && t->frames[t->depth - 1].sp < sp) {
    t->overflow = 0; /* calls deeper than a dead frame are dead too */
    do iprobe_frame_unwind(t, now);
    while (t->depth && t->frames[t->depth - 1].sp < sp);
  }
  if (IPROBE_UNLIKELY(t->depth == IPROBE_SHADOW_CAPACITY)) {
    t->overflow++;
    IPROBE_ADD(&iprobe_rt.header->shadow_overflows, 1);
    return 0;
  }
  struct iprobe_frame *f = &t->frames[t->depth++];
  f->address = address;
  f->sp = sp;
  f->start = now;
  f->children = 0;
  f->function = function;
  f->flags = 0;
  if (function != IPROBE_NO_FUNCTION && t->stats) IPROBE_BUMP(&t->stats[function].active, 1);
  return f;
}

/* `tail`: the instrumented function jumped to its exit hook after its
 * epilogue (gcc -O2 does), so its frame is already gone and `sp` is one
 * level higher than at its entry: its own frame and everything it left
 * behind then have sp < the hook's, and its caller's frame has sp >= it.
 * Otherwise its frame is still there and has sp == the hook's. */
IPROBE_INLINE void iprobe_frame_pop(struct iprobe_thread *t, uint64_t address, uint64_t site, uint64_t sp, int tail,
                                    uint64_t now) {
  if (IPROBE_UNLIKELY(t->overflow)) {
    /* overflowed calls sit below the top recorded frame; at or above it they are gone */
    if (t->depth && (tail ? sp <= t->frames[t->depth - 1].sp : sp < t->frames[t->depth - 1].sp)) {
      t->overflow--;
      return;
    }
    t->overflow = 0;
  }
  if (tail) {
    while (t->depth > 1 && t->frames[t->depth - 2].sp < sp) iprobe_frame_unwind(t, now);
  } else {
    while (t->depth && t->frames[t->depth - 1].sp < sp) iprobe_frame_unwind(t, now);
  }
  if (IPROBE_LIKELY(t->depth && t->frames[t->depth - 1].address == address)) {
    iprobe_frame_close(t, now, site, 0);
    return;
  }
  for (uint32_t below = 1; below < IPROBE_EXIT_SEARCH && below < t->depth; below++) {
    if (t->frames[t->depth - 1 - below].address != address) continue;
    while (below--) iprobe_frame_unwind(t, now);
    iprobe_frame_close(t, now, site, 0);
    return;
  }
  IPROBE_ADD(&iprobe_rt.header->unmatched_exits, 1);
}

#endif
