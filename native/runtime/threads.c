/* Thread slots: claiming one on a thread's first hook, giving it back at
 * thread exit, and reusing slots of exited threads once a reader has drained
 * their events. This is the slow path; it runs once per thread. */
#include "threads.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "fperf.h"
#include "shadow_stack.h"

__thread struct iprobe_tls iprobe_tls __attribute__((tls_model("initial-exec")));

static pthread_key_t exit_key;
static int exit_key_ready;

/* Shared by threads that count calls only (see iprobe_thread.untimed); its
 * fields are never written by the hooks. */
static struct iprobe_thread untimed_thread = {.untimed = 1};

static struct iprobe_stat *IPROBE_NOINSTR stats_row(uint32_t slot) {
  return iprobe_rt.stats + (uint64_t)slot * iprobe_rt.function_capacity;
}

static struct iprobe_fperf_row *IPROBE_NOINSTR fperf_row(uint32_t slot) {
  return iprobe_rt.fperf_rows + (uint64_t)slot * iprobe_rt.function_capacity;
}

static void IPROBE_NOINSTR fold_fperf(struct iprobe_fperf_row *into, const struct iprobe_fperf_row *from) {
  IPROBE_ADD(&into->samples, from->samples);
  IPROBE_ADD(&into->sample_ticks, from->sample_ticks);
  for (int e = 0; e < IPROBE_FPERF_MAX_EVENTS; e++) {
    IPROBE_ADD(&into->inclusive[e], from->inclusive[e]);
    IPROBE_ADD(&into->exclusive[e], from->exclusive[e]);
  }
}

/* Moves an exited thread's statistics into the retired row. The fold
 * sequence is a seqlock for readers, who sum retired and every row: while it
 * is odd they retry. Returns 0 if another fold (or a reset by the controller)
 * holds it; this runs in hooks, possibly in a signal handler, so it never waits. */
static int IPROBE_NOINSTR fold_into_retired(uint32_t slot) {
  struct iprobe_header *h = iprobe_rt.header;
  uint32_t seq = IPROBE_LOAD(&h->fold_sequence);
  if ((seq & 1) || !__atomic_compare_exchange_n(&h->fold_sequence, &seq, seq + 1, 0, __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED)) {
    return 0;
  }
  struct iprobe_stat *row = stats_row(slot);
  struct iprobe_fperf_row *samples = fperf_row(slot);
  int current = IPROBE_LOAD(&iprobe_rt.slots[slot].stats_generation) ==
                IPROBE_LOAD(&h->control.reset_generation);
  for (uint32_t i = 0; i < iprobe_rt.function_capacity; i++) {
    if (!IPROBE_LOAD(&iprobe_rt.functions[i].address)) continue;
    if (current) {
      IPROBE_ADD(&iprobe_rt.retired[i].calls, row[i].calls);
      IPROBE_ADD(&iprobe_rt.retired[i].total_ticks, row[i].total_ticks);
      IPROBE_ADD(&iprobe_rt.retired[i].self_ticks, row[i].self_ticks);
      if (samples[i].samples) fold_fperf(&iprobe_rt.fperf_retired[i], &samples[i]);
    }
    memset(&row[i], 0, sizeof row[i]);
    if (samples[i].samples) memset(&samples[i], 0, sizeof samples[i]);
  }
  IPROBE_STORE_RELEASE(&h->fold_sequence, seq + 2);
  return 1;
}

static int IPROBE_NOINSTR try_claim(uint32_t slot, uint32_t from) {
  uint32_t expected = from;
  struct iprobe_thread_slot *s = &iprobe_rt.slots[slot];
  if (from == IPROBE_SLOT_EXITED &&
      IPROBE_LOAD_ACQUIRE(&s->read_index) != IPROBE_LOAD(&s->write_index)) {
    return 0; /* its events are not drained yet */
  }
  uint32_t target = from == IPROBE_SLOT_FREE ? IPROBE_SLOT_LIVE : IPROBE_SLOT_CLAIMING;
  if (!__atomic_compare_exchange_n(&s->state, &expected, target, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
  if (from == IPROBE_SLOT_EXITED) {
    if (!fold_into_retired(slot)) {
      IPROBE_STORE_RELEASE(&s->state, IPROBE_SLOT_EXITED);
      return 0;
    }
    IPROBE_STORE_RELEASE(&s->state, IPROBE_SLOT_LIVE);
  }
  return 1;
}

static void IPROBE_NOINSTR note_slot_used(uint32_t slot) {
  uint32_t *used = &iprobe_rt.header->slots_used;
  uint32_t seen = IPROBE_LOAD(used);
  while (seen < slot + 1 &&
         !__atomic_compare_exchange_n(used, &seen, slot + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

static void IPROBE_NOINSTR bind_slot(struct iprobe_thread *t, uint32_t slot) {
  struct iprobe_thread_slot *s = &iprobe_rt.slots[slot];
  t->slot = s;
  t->stats = stats_row(slot);
  t->fperf_rows = fperf_row(slot);
  t->ring = iprobe_rt.rings + (uint64_t)slot * iprobe_rt.ring_capacity;
  t->write_index = IPROBE_LOAD(&s->write_index);
  t->cached_read_index = IPROBE_LOAD_ACQUIRE(&s->read_index);
  t->reset_generation = IPROBE_LOAD(&iprobe_rt.header->control.reset_generation);
  IPROBE_STORE(&s->tid, t->tid);
  IPROBE_STORE(&s->fperf_state, IPROBE_FPERF_THREAD_NONE);
  IPROBE_STORE(&s->fperf_error, 0);
  IPROBE_STORE(&s->generation, s->generation + 1);
  IPROBE_STORE_RELEASE(&s->stats_generation, t->reset_generation);
  note_slot_used(slot);
}

static int IPROBE_NOINSTR claim_slot(struct iprobe_thread *t) {
  for (uint32_t from = IPROBE_SLOT_FREE;; from = IPROBE_SLOT_EXITED) {
    for (uint32_t i = 0; i < iprobe_rt.thread_capacity; i++) {
      if (IPROBE_LOAD(&iprobe_rt.slots[i].state) == from && try_claim(i, from)) {
        bind_slot(t, i);
        return 1;
      }
    }
    if (from == IPROBE_SLOT_EXITED) return 0;
  }
}

struct iprobe_thread *iprobe_thread_attach(void) {
  size_t size = sizeof(struct iprobe_thread) + IPROBE_SHADOW_CAPACITY * sizeof(struct iprobe_frame);
  /* mmap, not malloc: this may run inside a signal handler */
  struct iprobe_thread *t = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (t == MAP_FAILED) {
    iprobe_tls.thread = &untimed_thread;
    return &untimed_thread;
  }
  t->tid = (uint32_t)gettid();
  t->reset_generation = IPROBE_LOAD(&iprobe_rt.header->control.reset_generation);
  claim_slot(t);
  IPROBE_ADD(&iprobe_rt.header->threads_attached, 1);
  if (exit_key_ready) pthread_setspecific(exit_key, t);
  iprobe_tls.thread = t;
  return t;
}

void iprobe_thread_reset_stats(struct iprobe_thread *t) {
  uint32_t generation = IPROBE_LOAD(&iprobe_rt.header->control.reset_generation);
  if (t == &untimed_thread) return;
  t->reset_generation = generation;
  if (!t->stats) return;
  for (uint32_t i = 0; i < iprobe_rt.function_capacity; i++) {
    if (!IPROBE_LOAD(&iprobe_rt.functions[i].address)) continue;
    IPROBE_STORE(&t->stats[i].calls, 0);
    IPROBE_STORE(&t->stats[i].total_ticks, 0);
    IPROBE_STORE(&t->stats[i].self_ticks, 0); /* `active` stays: those frames are still open */
    if (IPROBE_LOAD(&t->fperf_rows[i].samples)) {
      struct iprobe_fperf_row *r = &t->fperf_rows[i];
      IPROBE_STORE(&r->samples, 0);
      IPROBE_STORE(&r->sample_ticks, 0);
      for (int e = 0; e < IPROBE_FPERF_MAX_EVENTS; e++) {
        IPROBE_STORE(&r->inclusive[e], 0);
        IPROBE_STORE(&r->exclusive[e], 0);
      }
    }
  }
  IPROBE_STORE_RELEASE(&t->slot->stats_generation, generation);
}

/* Closes every open frame of the calling thread, so that their time is
 * counted and their trace has matching exits. */
static void IPROBE_NOINSTR close_open_frames(struct iprobe_thread *t) {
  uint64_t now = iprobe_clock_now();
  while (t->depth) iprobe_frame_unwind(t, now);
  t->overflow = 0;
}

/* pthread key destructor: the thread is exiting. Its events stay in the
 * ring for the reader; the slot is reused only after they are drained. */
static void IPROBE_NOINSTR thread_exit(void *arg) {
  struct iprobe_thread *t = arg;
  iprobe_tls.busy = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  if (iprobe_rt.header) {
    close_open_frames(t);
    iprobe_fperf_thread_exit(t);
    if (t->slot) IPROBE_STORE_RELEASE(&t->slot->state, IPROBE_SLOT_EXITED);
    IPROBE_ADD(&iprobe_rt.header->threads_exited, 1);
  }
  /* instrumented code that runs after this (later destructors) is still counted */
  iprobe_tls.thread = &untimed_thread;
  munmap(t, sizeof(struct iprobe_thread) + IPROBE_SHADOW_CAPACITY * sizeof(struct iprobe_frame));
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  iprobe_tls.busy = 0;
}

void iprobe_threads_init(void) {
  if (!exit_key_ready && pthread_key_create(&exit_key, thread_exit) == 0) exit_key_ready = 1;
}

void iprobe_thread_flush_current(void) {
  struct iprobe_thread *t = iprobe_tls.thread;
  if (!t || t->untimed || iprobe_tls.busy) return;
  iprobe_tls.busy = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  close_open_frames(t);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  iprobe_tls.busy = 0;
}

/* In the child after fork(): the only thread left moves into the child's
 * fresh segment. Its open frames stay (the child returns through them); the
 * function table was copied, so their function ids are still valid. */
void iprobe_thread_rebind_after_fork(void) {
  struct iprobe_thread *t = iprobe_tls.thread;
  if (!t || t->untimed) return;
  t->tid = (uint32_t)gettid();
  t->slot = 0;
  t->stats = 0;
  t->fperf_rows = 0;
  t->ring = 0;
  if (!iprobe_rt.header) return;
  if (claim_slot(t)) {
    for (uint32_t i = 0; i < t->depth; i++) {
      uint32_t id = t->frames[i].function;
      if (id != IPROBE_NO_FUNCTION) t->stats[id].active++;
      t->frames[i].flags = 0; /* the child's ring has no entry events for them */
    }
  }
  IPROBE_ADD(&iprobe_rt.header->threads_attached, 1);
}
