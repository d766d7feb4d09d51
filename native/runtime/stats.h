/* Statistics updates. A thread with a slot writes its own row with plain
 * stores; a thread without one (slots exhausted, or already past its
 * destructor) adds atomically to the retired row, so counts stay exact. */
#ifndef IPROBE_RUNTIME_STATS_H
#define IPROBE_RUNTIME_STATS_H

#include "functions.h"
#include "threads.h"

IPROBE_INLINE void iprobe_stat_call(struct iprobe_thread *t, uint32_t function) {
  if (IPROBE_UNLIKELY(function == IPROBE_NO_FUNCTION)) return;
  if (IPROBE_LIKELY(t->stats != 0)) {
    IPROBE_BUMP(&t->stats[function].calls, 1);
  } else {
    IPROBE_ADD(&iprobe_rt.retired[function].calls, 1);
  }
}

/* One activation closed. `outermost`: no other activation of the same
 * function is still below it on this thread's stack. */
IPROBE_INLINE void iprobe_stat_time(struct iprobe_thread *t, uint32_t function, uint64_t inclusive,
                                    uint64_t self, int outermost) {
  if (IPROBE_UNLIKELY(function == IPROBE_NO_FUNCTION)) return;
  if (IPROBE_LIKELY(t->stats != 0)) {
    struct iprobe_stat *s = &t->stats[function];
    if (outermost) IPROBE_BUMP(&s->total_ticks, inclusive);
    IPROBE_BUMP(&s->self_ticks, self);
  } else {
    if (outermost) IPROBE_ADD(&iprobe_rt.retired[function].total_ticks, inclusive);
    IPROBE_ADD(&iprobe_rt.retired[function].self_ticks, self);
  }
}

#endif
