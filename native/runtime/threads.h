/* Per-thread state. Each thread owns a private block (shadow stack, ring
 * cursor) reached through one initial-exec TLS pointer, and, while slots
 * last, a thread slot in the segment (its stats row and event ring). Only
 * the owning thread writes either, so the hot path needs no atomics beyond
 * plain loads and stores. */
#ifndef IPROBE_RUNTIME_THREADS_H
#define IPROBE_RUNTIME_THREADS_H

#include <errno.h>
#include <stdint.h>

#include "runtime.h"

#define IPROBE_SHADOW_CAPACITY 2048

enum iprobe_frame_flags {
  IPROBE_FRAME_TRACED = 1,        /* its entry event is in the ring, so its exit must follow */
  IPROBE_FRAME_ENTRY_DROPPED = 2, /* its entry did not fit: its exit is not recorded either, only counted */
};

struct iprobe_frame {
  uint64_t address;
  uint64_t sp; /* the hook's frame address: tells live frames from frames longjmp skipped */
  uint64_t start;
  uint64_t children; /* ticks spent in instrumented callees */
  uint32_t function; /* function table index, or IPROBE_NO_FUNCTION */
  uint32_t flags;
};

struct iprobe_fperf_thread;

struct iprobe_thread {
  struct iprobe_thread_slot *slot; /* NULL: no slot was free; stats go to retired, events are dropped */
  struct iprobe_stat *stats;       /* the slot's stats row */
  struct iprobe_fperf_row *fperf_rows; /* the slot's FPerf row (NULL without a slot: no samples) */
  struct iprobe_fperf_thread *fperf;   /* FPerf sampling state, from the thread's first sample on */
  struct iprobe_event *ring;
  uint64_t write_index;
  uint64_t cached_read_index; /* refreshed from the slot only when the ring looks full */
  uint32_t tid;
  uint32_t reset_generation;
  uint32_t untimed; /* counts calls only: thread already exited, or no memory for a shadow stack */
  uint32_t depth;
  uint32_t overflow; /* calls deeper than the shadow stack */
  uint32_t reserved;
  struct iprobe_frame frames[];
};

struct iprobe_tls {
  struct iprobe_thread *thread;
  uint32_t busy; /* set while a hook runs: a signal handler's hooks see it and drop */
  /* this thread's errno (glibc's __errno_location(), asked once): from a
   * shared library, errno is a call; through this it is a %fs-relative load */
  int *errno_location;
};

/* initial-exec: a %fs-relative access, no __tls_get_addr (which may malloc)
 * even when the runtime is dlopen'ed; glibc's static TLS surplus holds it. */
extern __thread struct iprobe_tls iprobe_tls __attribute__((tls_model("initial-exec"))) IPROBE_HIDDEN;

struct iprobe_thread *iprobe_thread_attach(void) IPROBE_INTERNAL;
void iprobe_thread_reset_stats(struct iprobe_thread *t) IPROBE_INTERNAL;
void iprobe_threads_init(void) IPROBE_INTERNAL;
void iprobe_thread_flush_current(void) IPROBE_INTERNAL;
void iprobe_thread_rebind_after_fork(void) IPROBE_INTERNAL;

/* Where this thread's errno is, for a hook that must give it back unchanged. */
IPROBE_INLINE int *iprobe_thread_errno(void) {
  int *location = iprobe_tls.errno_location;
  if (IPROBE_UNLIKELY(!location)) iprobe_tls.errno_location = location = &errno;
  return location;
}

/* Starts a hook on this thread: NULL means drop the event. */
IPROBE_INLINE struct iprobe_thread *iprobe_thread_enter(struct iprobe_header *h) {
  if (IPROBE_UNLIKELY(iprobe_tls.busy)) {
    IPROBE_ADD(&h->reentrant_drops, 1);
    return 0;
  }
  iprobe_tls.busy = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  struct iprobe_thread *t = iprobe_tls.thread;
  if (IPROBE_UNLIKELY(!t)) t = iprobe_thread_attach();
  if (IPROBE_UNLIKELY(t->reset_generation != IPROBE_LOAD(&h->control.reset_generation))) {
    iprobe_thread_reset_stats(t);
  }
  return t;
}

IPROBE_INLINE void iprobe_thread_leave(void) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  iprobe_tls.busy = 0;
}

#endif
