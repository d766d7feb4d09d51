/* The slow paths of FPerf mode, run by the hooks of a thread: taking a
 * sample, closing one, and taking the thread's counters from the control
 * thread, which opens and closes them (fperf_threads.h): a hook only reads
 * them. */
#include "fperf.h"

#include <string.h>
#include <sys/mman.h>

#include "clock.h"
#include "counters.h"
#include "fperf_config.h"
#include "fperf_threads.h"

struct iprobe_fperf_config iprobe_fperf_configs[2];
uint32_t iprobe_fperf_generation;
uint32_t iprobe_fperf_forked;

static uint32_t thread_error_lock;

static void IPROBE_NOINSTR set_thread_state(struct iprobe_thread *t, struct iprobe_fperf_thread *ft, uint32_t state,
                                             int error) {
  ft->state = state;
  if (t->slot) {
    IPROBE_STORE(&t->slot->fperf_error, error);
    IPROBE_STORE(&t->slot->fperf_state, state);
  }
}

/* Appends text to buffer[*at..size-1], NUL-terminated: no printf in a hook. */
static void IPROBE_NOINSTR append_text(char *buffer, size_t size, size_t *at, const char *text) {
  while (*text && *at + 1 < size) buffer[(*at)++] = *text++;
  buffer[*at] = 0;
}

static void IPROBE_NOINSTR note_read_error(uint32_t backend, const char *call, int code) {
  struct iprobe_fperf_block *b = iprobe_rt.fperf;
  uint32_t free_lock = 0;
  if (!__atomic_compare_exchange_n(&thread_error_lock, &free_lock, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
  size_t at = 0;
  append_text(b->thread_error, sizeof b->thread_error, &at, call);
  append_text(b->thread_error, sizeof b->thread_error, &at, ": ");
  append_text(b->thread_error, sizeof b->thread_error, &at, iprobe_counters_error_text(backend, code));
  __atomic_store_n(&thread_error_lock, 0, __ATOMIC_RELEASE);
}

#define BIAS_PAIRS 8

static void IPROBE_NOINSTR measure_read_bias(struct iprobe_fperf_thread *ft) {
  long long a[IPROBE_FPERF_MAX_EVENTS], b[IPROBE_FPERF_MAX_EVENTS];
  for (uint32_t e = 0; e < IPROBE_FPERF_MAX_EVENTS; e++) ft->read_bias[e] = -1;
  for (int pair = 0; pair < BIAS_PAIRS; pair++) {
    if (iprobe_counters_read(&ft->counters, a) != 0 || iprobe_counters_read(&ft->counters, b) != 0) break;
    for (uint32_t e = 0; e < ft->events; e++) {
      long long delta = b[e] - a[e];
      if (ft->read_bias[e] < 0 || delta < ft->read_bias[e]) ft->read_bias[e] = delta;
    }
  }
  for (uint32_t e = 0; e < IPROBE_FPERF_MAX_EVENTS; e++) {
    if (ft->read_bias[e] < 0) ft->read_bias[e] = 0;
  }
}

static uint32_t IPROBE_NOINSTR slot_index(struct iprobe_thread *t) {
  return (uint32_t)(t->slot - iprobe_rt.slots);
}

/* Takes the set the control thread opened for this thread, once it is
 * ready (fperf_threads.h). The thread measures its own read bias: only its
 * own reads count on its own counters. 0 while not ready. */
static int IPROBE_NOINSTR adopt_set(struct iprobe_thread *t, struct iprobe_fperf_thread *ft) {
  const struct iprobe_thread_counters *e = iprobe_handoff_take(t->tid, ft->generation);
  if (!e) return 0;
  if (e->state != IPROBE_FPERF_THREAD_COUNTING) {
    set_thread_state(t, ft, e->state, e->error);
    return 1;
  }
  ft->counters = e->counters; /* a copy: the control thread keeps the right to close it */
  ft->has_set = 1;
  ft->events = e->counters.events;
  measure_read_bias(ft);
  set_thread_state(t, ft, IPROBE_FPERF_THREAD_COUNTING, 0);
  return 1;
}

/* The set is the control thread's to close: this thread only stops using it. */
static void IPROBE_NOINSTR release_set(struct iprobe_thread *t, struct iprobe_fperf_thread *ft) {
  ft->has_set = 0;
  iprobe_counters_init(&ft->counters);
  iprobe_handoff_ask(slot_index(t), t->tid, 0, 1);
}

static void IPROBE_NOINSTR drop_frames(struct iprobe_fperf_thread *ft, uint32_t keep) {
  if (ft->depth > keep) IPROBE_ADD(&iprobe_rt.fperf->lost_samples, ft->depth - keep);
  ft->depth = keep;
}

/* The thread's sampling state, ready to read; NULL if this thread cannot sample now. */
static struct iprobe_fperf_thread *IPROBE_NOINSTR sampling_thread(struct iprobe_thread *t) {
  if (t->untimed || !t->fperf_rows || IPROBE_LOAD(&iprobe_fperf_forked)) return 0;
  /* the hand-off table is made before the first generation is published */
  uint32_t generation = IPROBE_LOAD_ACQUIRE(&iprobe_fperf_generation);
  if (!generation) return 0;
  struct iprobe_fperf_thread *ft = t->fperf;
  if (!ft) {
    /* mmap, not malloc: hooks may run in signal handlers */
    ft = mmap(0, sizeof *ft, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ft == MAP_FAILED) return 0;
    iprobe_counters_init(&ft->counters);
    t->fperf = ft;
  }
  uint32_t session = IPROBE_LOAD(&iprobe_rt.header->control.fperf_session);
  if (ft->session != session) {
    drop_frames(ft, 0);
    ft->session = session;
  }
  if (ft->generation != generation) {
    /* The first sample of this configuration on this thread: ask the
     * control thread for counters; from here on the old ones (if any) are
     * never read again, so it may close them. */
    drop_frames(ft, 0); /* their entry counts are of the old events */
    ft->has_set = 0;
    ft->generation = generation;
    set_thread_state(t, ft, IPROBE_FPERF_THREAD_WAITING, 0);
    /* opened in advance (the thread existed when the configuration came):
     * the control thread need not be woken, only told which set is taken */
    iprobe_handoff_ask(slot_index(t), t->tid, generation, !iprobe_handoff_find(t->tid, generation));
  }
  if (ft->state == IPROBE_FPERF_THREAD_WAITING && !adopt_set(t, ft)) {
    IPROBE_ADD(&iprobe_rt.fperf->not_ready_drops, 1);
    return 0;
  }
  return ft->state == IPROBE_FPERF_THREAD_COUNTING ? ft : 0;
}

/* One unit of the quota, or the first sample of a function never sampled. */
static int IPROBE_NOINSTR take_quota(struct iprobe_function *entry) {
  if (IPROBE_LOAD(&entry->fperf_quota) > 0 && __atomic_fetch_sub(&entry->fperf_quota, 1, __ATOMIC_RELAXED) > 0) {
    if (!(IPROBE_LOAD(&entry->flags) & IPROBE_FUNCTION_FPERF_SAMPLED)) {
      __atomic_fetch_or(&entry->flags, IPROBE_FUNCTION_FPERF_SAMPLED, __ATOMIC_RELAXED);
    }
    return 1;
  }
  return !(__atomic_fetch_or(&entry->flags, IPROBE_FUNCTION_FPERF_SAMPLED, __ATOMIC_RELAXED) &
           IPROBE_FUNCTION_FPERF_SAMPLED);
}

/* This configuration's counters stay off on this thread (it does not ask
 * again until the controller configures new events). */
static void IPROBE_NOINSTR read_failed(struct iprobe_thread *t, struct iprobe_fperf_thread *ft, int rc) {
  IPROBE_ADD(&iprobe_rt.fperf->read_failures, 1);
  uint32_t backend = ft->counters.backend;
  drop_frames(ft, 0);
  release_set(t, ft);
  set_thread_state(t, ft, IPROBE_FPERF_THREAD_FAILED, rc);
  note_read_error(backend, backend == IPROBE_COUNTERS_KERNEL ? "read" : "PAPI_read", rc);
}

void iprobe_fperf_sample_entry(struct iprobe_thread *t, uint32_t function, uint64_t address, uint64_t sp) {
  struct iprobe_fperf_thread *ft = sampling_thread(t);
  if (!ft) return;
  uint64_t started = iprobe_clock_now(); /* a new event set's cost is thread_set_ns, not the sample's */
  /* A frame below this entry's stack level cannot be its caller: longjmp
   * skipped its exit. One at the same level may be: a function inlined into
   * another calls the hooks with the enclosing function's stack pointer. */
  uint32_t live = ft->depth;
  while (live && ft->frames[live - 1].sp < sp) live--;
  drop_frames(ft, live);
  if (ft->depth == IPROBE_FPERF_DEPTH) {
    IPROBE_ADD(&iprobe_rt.fperf->depth_drops, 1);
    return;
  }
  if (!take_quota(&iprobe_rt.functions[function])) return;
  struct iprobe_sample_frame *f = &ft->frames[ft->depth];
  int rc = iprobe_counters_read(&ft->counters, f->entry);
  if (rc != 0) {
    read_failed(t, ft, rc);
    return;
  }
  f->address = address;
  f->sp = sp;
  f->function = function;
  f->direct = 0;
  f->nested = 0;
  memset(f->children, 0, sizeof f->children);
  ft->depth++;
  f->cost = iprobe_clock_now() - started;
}

static void IPROBE_NOINSTR close_frame(struct iprobe_thread *t, struct iprobe_fperf_thread *ft, uint64_t started) {
  struct iprobe_sample_frame *f = &ft->frames[ft->depth - 1];
  long long now[IPROBE_FPERF_MAX_EVENTS];
  int rc = iprobe_counters_read(&ft->counters, now);
  if (rc != 0) {
    read_failed(t, ft, rc);
    return;
  }
  struct iprobe_fperf_row *row = &t->fperf_rows[f->function];
  struct iprobe_sample_frame *parent = ft->depth > 1 ? f - 1 : 0;
  /* Each sample nested inside leaves one read pair's worth in this delta
   * besides its own, and this sample's own reads leave one: see read_bias. */
  for (uint32_t e = 0; e < ft->events; e++) {
    long long delta = now[e] - f->entry[e];
    long long bias = ft->read_bias[e];
    long long inclusive = delta - bias * (long long)(1 + 2 * f->nested);
    long long exclusive = delta - f->children[e] - bias * (long long)(1 + f->direct);
    IPROBE_BUMP(&row->inclusive[e], inclusive);
    IPROBE_BUMP(&row->exclusive[e], exclusive);
    if (parent) parent->children[e] += delta;
  }
  if (parent) {
    parent->direct++;
    parent->nested += 1 + f->nested;
  }
  IPROBE_BUMP(&row->samples, 1);
  ft->depth--;
  IPROBE_BUMP(&row->sample_ticks, f->cost + (iprobe_clock_now() - started));
}

/* Which open sampled frame, if any, this exit closes; the stack-level rules
 * are the shadow stack's (shadow_stack.h), applied to sampled frames only
 * (an exit with no sampled frame at its level is an unsampled activation's),
 * except that frames at the same level are not taken for dead: inlined
 * instrumented functions share their enclosing function's level. */
void iprobe_fperf_sample_exit(struct iprobe_thread *t, uint64_t address, uint64_t sp, int tail) {
  uint64_t started = iprobe_clock_now();
  struct iprobe_fperf_thread *ft = t->fperf;
  if (ft->session != IPROBE_LOAD(&iprobe_rt.header->control.fperf_session)) {
    drop_frames(ft, 0);
    return;
  }
  while (ft->depth) {
    struct iprobe_sample_frame *f = &ft->frames[ft->depth - 1];
    if (f->sp > sp) return; /* a live caller: this exit is of an unsampled activation */
    if (f->sp == sp) {
      /* at a tail exit's level: the caller's; else this activation's, or
       * an enclosing one's when an unsampled inlined function exits */
      if (!tail && f->address == address) close_frame(t, ft, started);
      return;
    } else if (tail && f->address == address) {
      /* Its frame is already gone, so it lies below the hook. Its caller's
       * sampled frame need not lie at or above the hook: gcc may call the
       * entry hook with 8 bytes of alignment pushed that the caller pops
       * before its calls (seen in bzip2), so it is matched by address. */
      close_frame(t, ft, started);
      return;
    }
    drop_frames(ft, ft->depth - 1); /* below this exit's level: skipped by longjmp */
  }
}

/* The control thread closes the set (one may have been opened in advance
 * even for a thread that never sampled): this thread only says it is gone. */
void iprobe_fperf_thread_exit(struct iprobe_thread *t) {
  if (t->slot && !IPROBE_LOAD(&iprobe_fperf_forked) && iprobe_handoff_active()) {
    iprobe_handoff_ask(slot_index(t), t->tid, 0, 1);
  }
  struct iprobe_fperf_thread *ft = t->fperf;
  if (!ft) return;
  t->fperf = 0;
  drop_frames(ft, 0);
  munmap(ft, sizeof *ft);
}

/* In the child: the set's fds count the parent's thread; forget them, never
 * touch them (the child's copies of the fds stay open: closing them would
 * be a change the program did not ask for, to descriptors it may count).
 * The child has no control thread, and its hooks never open counters
 * themselves: with iprobe_fperf_forked set they count calls only. */
void iprobe_fperf_after_fork(struct iprobe_thread *t) {
  IPROBE_STORE(&iprobe_fperf_forked, 1);
  if (t && !t->untimed && t->fperf) {
    t->fperf->has_set = 0;
    iprobe_counters_init(&t->fperf->counters);
    t->fperf->depth = 0;
  }
}
