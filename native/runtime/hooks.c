/* The handlers that instrumented code calls: gcc's -finstrument-functions
 * hooks and the IPROBE_POINT handler. Everything here is the hot path: one
 * mode check, then thread-local work (shadow stack, own stats row, own ring;
 * in fperf mode, the function's quota instead of the shadow stack).
 *
 * Each handler gives errno back as it found it: a hook can run between a
 * failing call of the program and the program's errno check, and its slow
 * paths make calls that set errno (a thread's first hook maps its shadow
 * stack: ENOMEM; FPerf opens counters). A handler saves it as soon as it
 * knows it has work to do; before that (mode off) it touches nothing but the
 * start of the runtime, which saves errno itself (iprobe_start_from_hook). */
#include "clock.h"
#include "fperf.h"
#include "functions.h"
#include "shadow_stack.h"
#include "stats.h"
#include "threads.h"

/* The hook's own frame address stands for the caller's stack pointer: both
 * hooks have the same frame layout, so entry and exit of one activation give
 * the same value, unless the exit hook was reached by a tail jump
 * (HOOK_TAIL_CALLED: it will return straight to the caller of the function,
 * whose return address is `call_site`). */
#define HOOK_SP() ((uint64_t)__builtin_frame_address(0))
#define HOOK_TAIL_CALLED(call_site) (__builtin_return_address(0) == (call_site))

/* The segment and the mode a hook acts in: IPROBE_MODE_OFF when the runtime
 * cannot start or the mode is one this runtime does not know. */
IPROBE_INLINE uint32_t hook_mode(struct iprobe_header **h) {
  *h = iprobe_rt.header;
  if (IPROBE_UNLIKELY(!*h) && !(*h = iprobe_start_from_hook())) return IPROBE_MODE_OFF;
  uint32_t mode = IPROBE_LOAD(&(*h)->control.mode);
  return mode > IPROBE_MODE_CALLS ? IPROBE_MODE_OFF : mode;
}

IPROBE_EXPORT void __cyg_profile_func_enter(void *function, void *call_site) {
  struct iprobe_header *h;
  const uint32_t mode = hook_mode(&h);
  if (mode == IPROBE_MODE_OFF) return;
  int *const errno_location = iprobe_thread_errno();
  const int saved_errno = *errno_location;
  struct iprobe_thread *t = iprobe_thread_enter(h);
  if (!t) goto out;
  uint32_t id = iprobe_function_lookup((uint64_t)function, IPROBE_FUNCTION_CODE);
  iprobe_stat_call(t, id);
  if (mode == IPROBE_MODE_CALLS) {
    /* counted; nothing else */
  } else if (mode == IPROBE_MODE_FPERF) {
    if (id != IPROBE_NO_FUNCTION) iprobe_fperf_entry(t, id, (uint64_t)function, HOOK_SP());
  } else if (IPROBE_LIKELY(!t->untimed)) {
    uint64_t now = iprobe_clock_now();
    struct iprobe_frame *f = iprobe_frame_push(t, (uint64_t)function, id, HOOK_SP(), now);
    if (f && mode == IPROBE_MODE_TRACE) {
      int recorded = iprobe_ring_record(t, IPROBE_EVENT_ENTRY, 0, (uint64_t)function, (uint64_t)call_site, now, t->depth);
      f->flags = recorded ? IPROBE_FRAME_TRACED : IPROBE_FRAME_ENTRY_DROPPED;
    }
  } else if (mode == IPROBE_MODE_TRACE) {
    IPROBE_ADD(&h->slotless_drops, 2); /* its entry and its exit */
  }
  iprobe_thread_leave();
out:
  *errno_location = saved_errno;
}

IPROBE_EXPORT void __cyg_profile_func_exit(void *function, void *call_site) {
  struct iprobe_header *h;
  const uint32_t mode = hook_mode(&h);
  /* calls mode keeps no frames: an exit has nothing to do */
  if (mode == IPROBE_MODE_OFF || mode == IPROBE_MODE_CALLS) return;
  int *const errno_location = iprobe_thread_errno();
  const int saved_errno = *errno_location;
  struct iprobe_thread *t = iprobe_thread_enter(h);
  if (!t) goto out;
  if (mode == IPROBE_MODE_FPERF) {
    iprobe_fperf_exit(t, (uint64_t)function, HOOK_SP(), HOOK_TAIL_CALLED(call_site));
  } else if (IPROBE_LIKELY(!t->untimed)) {
    iprobe_frame_pop(t, (uint64_t)function, (uint64_t)call_site, HOOK_SP(), HOOK_TAIL_CALLED(call_site),
                     iprobe_clock_now());
  }
  iprobe_thread_leave();
out:
  *errno_location = saved_errno;
}

/* Reached from IPROBE_POINT's trampoline, which has saved every register. */
IPROBE_EXPORT void __iprobe_point_hit(const void *site) {
  struct iprobe_header *h;
  const uint32_t mode = hook_mode(&h);
  if (mode == IPROBE_MODE_OFF) return;
  int *const errno_location = iprobe_thread_errno();
  const int saved_errno = *errno_location;
  struct iprobe_thread *t = iprobe_thread_enter(h);
  if (!t) goto out;
  iprobe_stat_call(t, iprobe_function_lookup((uint64_t)site, IPROBE_FUNCTION_POINT));
  if (mode == IPROBE_MODE_TRACE && !t->untimed) {
    uint64_t enclosing = t->depth ? t->frames[t->depth - 1].address : 0;
    iprobe_ring_record(t, IPROBE_EVENT_POINT, 0, enclosing, (uint64_t)site, iprobe_clock_now(), t->depth);
  }
  iprobe_thread_leave();
out:
  *errno_location = saved_errno;
}
