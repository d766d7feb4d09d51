/* FPerf mode: counter samples (PAPI or perf_event_open) at the entry and exit of functions, within
 * the per-function quotas a controller refills. The hooks' fast path is the
 * two inline checks below; everything that touches the counters is out of
 * line in fperf.c. */
#ifndef IPROBE_RUNTIME_FPERF_H
#define IPROBE_RUNTIME_FPERF_H

#include <stdint.h>

#include "counters.h"
#include "threads.h"

/* Sampled activations open at once on one thread; deeper ones are not sampled. */
#define IPROBE_FPERF_DEPTH 64

struct iprobe_sample_frame {
  uint64_t address;
  uint64_t sp; /* the hook's frame address, as in the shadow stack */
  uint64_t cost; /* clock ticks the entry half of the sample took */
  uint32_t function;
  uint32_t direct; /* sampled activations closed directly inside this one */
  uint64_t nested; /* sampled activations closed anywhere inside this one */
  long long entry[IPROBE_FPERF_MAX_EVENTS];
  long long children[IPROBE_FPERF_MAX_EVENTS]; /* raw deltas of the direct sampled children */
};

/* Private to one thread; mapped on its first sample. */
struct iprobe_fperf_thread {
  struct iprobe_counter_set counters;
  uint32_t has_set;    /* counters are open */
  uint32_t state;      /* enum iprobe_fperf_thread_state */
  uint32_t generation; /* configuration its event set was built for */
  uint32_t session;    /* control.fperf_session its open frames belong to */
  uint32_t events;
  uint32_t depth;
  /* What one read pair adds to the counts by itself (the least of a few
   * back-to-back pairs): a sample's reads land partly inside its own delta
   * and partly in its sampled callers', and are taken out of both. */
  long long read_bias[IPROBE_FPERF_MAX_EVENTS];
  struct iprobe_sample_frame frames[IPROBE_FPERF_DEPTH];
};

void iprobe_fperf_sample_entry(struct iprobe_thread *t, uint32_t function, uint64_t address, uint64_t sp) IPROBE_INTERNAL;
void iprobe_fperf_sample_exit(struct iprobe_thread *t, uint64_t address, uint64_t sp, int tail) IPROBE_INTERNAL;
void iprobe_fperf_thread_exit(struct iprobe_thread *t) IPROBE_INTERNAL;
void iprobe_fperf_after_fork(struct iprobe_thread *t) IPROBE_INTERNAL;

/* Entry: a function whose quota is used up, and that has been sampled
 * before, costs two loads from its table entry and nothing else. */
IPROBE_INLINE void iprobe_fperf_entry(struct iprobe_thread *t, uint32_t function, uint64_t address, uint64_t sp) {
  struct iprobe_function *entry = &iprobe_rt.functions[function];
  if (IPROBE_LOAD(&entry->fperf_quota) <= 0 && (IPROBE_LOAD(&entry->flags) & IPROBE_FUNCTION_FPERF_SAMPLED)) return;
  iprobe_fperf_sample_entry(t, function, address, sp);
}

/* Exit: only a thread with a sampled frame open at or below this hook's
 * stack level can have anything to close. */
IPROBE_INLINE void iprobe_fperf_exit(struct iprobe_thread *t, uint64_t address, uint64_t sp, int tail) {
  struct iprobe_fperf_thread *ft = t->fperf;
  if (IPROBE_LIKELY(!ft || !ft->depth) || ft->frames[ft->depth - 1].sp > sp) return;
  iprobe_fperf_sample_exit(t, address, sp, tail);
}

#endif
