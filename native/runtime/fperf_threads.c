/* The counter hand-off (fperf_threads.h): the control thread's side, and
 * the hooks' two calls into it. Everything that allocates, locks or opens
 * runs in the control thread. */
#include "fperf_threads.h"

#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "runtime.h"

/* per thread slot: written by the slot's thread */
struct request {
  uint64_t want;
  uint64_t handled; /* the control thread's: the last want it acted on */
};

static struct request *requests;                 /* [thread_capacity] */
static struct iprobe_thread_counters *sets;      /* [set_capacity] */
static uint32_t set_capacity;                    /* twice the slots: old and new configuration side by side */
static uint32_t live_sets;                       /* control thread: perf fds and kernel memory per event, capped */

/* Polls between two reaps of the sets of threads that are gone. */
#define REAP_EVERY 50

static uint32_t IPROBE_NOINSTR thread_limit(void) {
  static uint32_t limit;
  if (!limit) {
    const char *text = getenv("IPROBE_FPERF_THREADS");
    long value = text ? strtol(text, 0, 10) : 0;
    limit = value > 0 ? (uint32_t)value : 64;
  }
  return limit;
}

int iprobe_handoff_active(void) { return IPROBE_LOAD_ACQUIRE(&requests) != 0; }

const struct iprobe_thread_counters *iprobe_handoff_find(uint32_t tid, uint32_t generation) {
  uint64_t word = iprobe_handoff_word(tid, generation);
  for (uint32_t i = 0; i < set_capacity; i++) {
    if (IPROBE_LOAD_ACQUIRE(&sets[i].ready) == word) return &sets[i];
  }
  return 0;
}

const struct iprobe_thread_counters *iprobe_handoff_take(uint32_t tid, uint32_t generation) {
  struct iprobe_thread_counters *e = (struct iprobe_thread_counters *)iprobe_handoff_find(tid, generation);
  if (!e) return 0;
  uint32_t offered = IPROBE_SET_OFFERED;
  if (!__atomic_compare_exchange_n(&e->taken, &offered, IPROBE_SET_TAKEN, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    /* already ours (taken before, e.g. state FAILED re-read), or withdrawn */
    if (offered != IPROBE_SET_TAKEN) return 0;
  }
  /* the entry may have been recycled for another thread between find and take */
  if (IPROBE_LOAD_ACQUIRE(&e->ready) != iprobe_handoff_word(tid, generation)) {
    if (offered == IPROBE_SET_OFFERED) IPROBE_STORE_RELEASE(&e->taken, IPROBE_SET_OFFERED);
    return 0;
  }
  return e;
}

void iprobe_handoff_ask(uint32_t slot, uint32_t tid, uint32_t generation, int wake) {
  IPROBE_STORE_RELEASE(&requests[slot].want, iprobe_handoff_word(tid, generation));
  /* The control thread sleeps on control.fperf_request (a shared futex: the
   * controller wakes it from another process); a wake needs no change of
   * the word. One that comes just before it sleeps is lost: it polls
   * (fperf_control.c). */
  if (wake) syscall(SYS_futex, &iprobe_rt.header->control.fperf_request, FUTEX_WAKE, 1, 0, 0, 0);
}

/* Closes an entry whose thread has moved on (or is gone): nobody reads it. */
static void IPROBE_NOINSTR close_entry(struct iprobe_thread_counters *e) {
  IPROBE_STORE_RELEASE(&e->ready, 0);
  if (e->state == IPROBE_FPERF_THREAD_COUNTING) {
    iprobe_counters_close(&e->counters);
    live_sets--;
  }
  e->state = IPROBE_FPERF_THREAD_NONE;
}

/* Closes tid's entries, except the one of generation `keep` (0: all). */
static void IPROBE_NOINSTR close_thread(uint32_t tid, uint32_t keep) {
  for (uint32_t i = 0; i < set_capacity; i++) {
    uint64_t ready = sets[i].ready;
    if (ready && (uint32_t)(ready >> 32) == tid && (uint32_t)ready != keep) close_entry(&sets[i]);
  }
}

static int IPROBE_NOINSTR has_entry(uint32_t tid, uint32_t generation) {
  uint64_t word = iprobe_handoff_word(tid, generation);
  for (uint32_t i = 0; i < set_capacity; i++) {
    if (sets[i].ready == word) return 1;
  }
  return 0;
}

static void IPROBE_NOINSTR note_failure(uint32_t backend, const char *call, int code) {
  struct iprobe_fperf_block *b = iprobe_rt.fperf;
  IPROBE_ADD(&b->thread_set_failures, 1);
  snprintf(b->thread_error, sizeof b->thread_error, "%s: %s", call, iprobe_counters_error_text(backend, code));
}

/* Opens tid's set for `generation` in a free entry and publishes it. */
static void IPROBE_NOINSTR open_set(uint32_t tid, uint32_t generation) {
  struct iprobe_thread_counters *e = 0;
  for (uint32_t i = 0; i < set_capacity && !e; i++) {
    if (!sets[i].ready) e = &sets[i];
  }
  if (!e) return; /* every entry taken: the thread stays "not ready" */
  e->error = 0;
  IPROBE_STORE(&e->taken, IPROBE_SET_OFFERED);
  if (live_sets >= thread_limit()) {
    e->state = IPROBE_FPERF_THREAD_LIMITED;
  } else {
    const struct iprobe_fperf_config *config = &iprobe_fperf_configs[generation & 1];
    uint64_t started = iprobe_monotonic_ns();
    const char *call = "";
    int rc = iprobe_counters_open(&e->counters, config, tid, &call);
    if (rc == ESRCH) return; /* the thread has already gone */
    if (rc == 0) {
      e->state = IPROBE_FPERF_THREAD_COUNTING;
      live_sets++;
      IPROBE_ADD(&iprobe_rt.fperf->thread_sets, 1);
      IPROBE_ADD(&iprobe_rt.fperf->thread_set_ns, iprobe_monotonic_ns() - started);
    } else {
      e->state = IPROBE_FPERF_THREAD_FAILED;
      e->error = rc;
      note_failure(config->backend, call, rc);
    }
  }
  IPROBE_STORE_RELEASE(&e->ready, iprobe_handoff_word(tid, generation));
}

static void *IPROBE_NOINSTR zeroed_pages(size_t size) {
  void *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? 0 : p;
}

int iprobe_handoff_prepare(uint32_t generation) {
  if (!requests) {
    set_capacity = 2 * iprobe_rt.thread_capacity;
    sets = zeroed_pages((size_t)set_capacity * sizeof *sets);
    struct request *table = zeroed_pages((size_t)iprobe_rt.thread_capacity * sizeof *table);
    if (!sets || !table) return -1;
    IPROBE_STORE_RELEASE(&requests, table);
  }
  /* Sets of older configurations opened in advance and never taken: no
   * thread can want them any more (a thread asks only for the newest it
   * has seen); withdrawn unless a thread takes one at this very moment. */
  for (uint32_t i = 0; i < set_capacity; i++) {
    struct iprobe_thread_counters *e = &sets[i];
    uint32_t offered = IPROBE_SET_OFFERED;
    if (e->ready && (uint32_t)e->ready != generation &&
        __atomic_compare_exchange_n(&e->taken, &offered, IPROBE_SET_WITHDRAWN, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      close_entry(e);
    }
  }
  /* Every thread that exists now, whether or not it has run a hook yet
   * (injected into a live process, most have not): none of them loses its
   * first samples to "not ready". */
  DIR *tasks = opendir("/proc/self/task");
  if (!tasks) return 0;
  uint32_t self = (uint32_t)gettid();
  for (struct dirent *d; (d = readdir(tasks));) {
    uint32_t tid = (uint32_t)strtoul(d->d_name, 0, 10);
    if (tid && tid != self && !has_entry(tid, generation)) open_set(tid, generation);
  }
  closedir(tasks);
  return 0;
}

/* Sets of threads that ended without an exit message: they never ran a
 * hook, so no destructor of ours ran for them. */
static void IPROBE_NOINSTR reap(void) {
  pid_t pid = getpid();
  for (uint32_t i = 0; i < set_capacity; i++) {
    uint64_t ready = sets[i].ready;
    if (ready && syscall(SYS_tgkill, pid, (pid_t)(ready >> 32), 0) != 0 && errno == ESRCH) close_entry(&sets[i]);
  }
}

void iprobe_handoff_serve(void) {
  static uint32_t polls;
  if (!requests) return;
  uint32_t current = IPROBE_LOAD(&iprobe_fperf_generation);
  for (uint32_t i = 0; i < iprobe_rt.thread_capacity; i++) {
    struct request *r = &requests[i];
    uint64_t want = IPROBE_LOAD_ACQUIRE(&r->want);
    if (want == r->handled) continue;
    uint32_t previous = (uint32_t)(r->handled >> 32), tid = (uint32_t)(want >> 32), generation = (uint32_t)want;
    r->handled = want;
    /* the slot's previous thread has exited (its message overwritten) */
    if (previous && previous != tid) close_thread(previous, 0);
    close_thread(tid, generation); /* older configurations; all of them when it exits */
    /* an older configuration's want: the thread asks again when it sees the current one */
    if (generation && generation == current && !has_entry(tid, generation)) open_set(tid, generation);
  }
  if (++polls % REAP_EVERY == 0) reap();
}
