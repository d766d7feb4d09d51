/* Start-up, shutdown and fork() handling of the runtime. It must work both
 * preloaded (the constructor runs before main) and dlopen'ed into a running
 * multi-threaded process (threads already exist and attach on their first
 * hook). */
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "clock.h"
#include "fperf.h"
#include "fperf_config.h"
#include "segment.h"
#include "threads.h"

struct iprobe_runtime iprobe_rt;

enum start_state { NOT_STARTED, STARTING, READY, FAILED };
static uint32_t start_state = NOT_STARTED;
static uint64_t early_drops; /* hooks that came while starting, before the header existed */

static uint32_t IPROBE_NOINSTR env_number(const char *name, uint32_t fallback, uint32_t min, uint32_t max) {
  const char *text = getenv(name);
  if (!text || !*text) return fallback;
  char *end;
  unsigned long value = strtoul(text, &end, 10);
  if (*end || value < min || value > max) return fallback;
  return (uint32_t)value;
}

static uint32_t IPROBE_NOINSTR power_of_two_at_least(uint32_t n) {
  uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

static uint32_t IPROBE_NOINSTR env_mode(void) {
  const char *text = getenv("IPROBE_MODE");
  if (text && strcmp(text, "count") == 0) return IPROBE_MODE_COUNT;
  if (text && strcmp(text, "trace") == 0) return IPROBE_MODE_TRACE;
  if (text && strcmp(text, "calls") == 0) return IPROBE_MODE_CALLS;
  if (text && strcmp(text, "fperf") == 0) return IPROBE_MODE_FPERF; /* calls only until a controller configures events */
  return IPROBE_MODE_OFF; /* injected into a live process: the controller decides */
}

static void IPROBE_NOINSTR after_fork_child(void);

static void IPROBE_NOINSTR start(void) {
  struct iprobe_geometry geometry = {
      .function_capacity = power_of_two_at_least(env_number("IPROBE_FUNCTIONS", 16384, 64, 1u << 22)),
      .thread_capacity = env_number("IPROBE_THREADS", 64, 1, 4096),
      .ring_capacity = power_of_two_at_least(env_number("IPROBE_RING_EVENTS", 16384, 64, 1u << 26)),
  };
  iprobe_threads_init();
  if (iprobe_segment_create(&geometry, env_mode(), iprobe_clock_start()) != 0) {
    IPROBE_STORE_RELEASE(&start_state, FAILED);
    return;
  }
  pthread_atfork(0, 0, after_fork_child);
  IPROBE_ADD(&iprobe_rt.header->uninitialized_drops, IPROBE_LOAD(&early_drops));
  IPROBE_STORE_RELEASE(&start_state, READY);
}

static int IPROBE_NOINSTR claim_start(void) {
  uint32_t expected = NOT_STARTED;
  return __atomic_compare_exchange_n(&start_state, &expected, STARTING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

struct iprobe_header *iprobe_start_from_hook(void) {
  /* the hook may sit between a failing call and its errno check; start-up
   * makes calls that set errno (shm_open over a stale segment: EEXIST) */
  const int saved_errno = errno;
  if (claim_start()) start();
  errno = saved_errno;
  struct iprobe_header *h = IPROBE_LOAD_ACQUIRE(&iprobe_rt.header);
  if (!h && IPROBE_LOAD(&start_state) != FAILED) IPROBE_ADD(&early_drops, 1);
  return h;
}

/* The control thread is started here, not in start(): start() can run inside
 * a hook (another library's instrumented constructor), where creating a
 * thread is not safe. */
__attribute__((constructor, no_instrument_function)) static void runtime_constructor(void) {
  if (claim_start()) start();
  if (IPROBE_LOAD_ACQUIRE(&start_state) == READY) iprobe_fperf_start_control_thread();
}

static uint64_t IPROBE_NOINSTR timeval_ns(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* exit(): the segment's name goes, the mapping stays (other threads may
 * still be running hooks, and a reader that has it open can still read it). */
__attribute__((destructor, no_instrument_function)) static void runtime_destructor(void) {
  struct iprobe_header *h = iprobe_rt.header;
  if (!h) return;
  iprobe_thread_flush_current();
  /* for a controller that measures the run (iprobe fperf -- prog): the process's CPU time */
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    IPROBE_STORE(&iprobe_rt.fperf->exit_user_ns, timeval_ns(usage.ru_utime));
    IPROBE_STORE(&iprobe_rt.fperf->exit_system_ns, timeval_ns(usage.ru_stime));
    IPROBE_STORE_RELEASE(&iprobe_rt.fperf->exit_recorded, 1);
  }
  IPROBE_STORE_RELEASE(&h->process_state, IPROBE_PROCESS_EXITED);
  iprobe_segment_unlink();
}

/* The child shares the parent's mapping until it makes its own segment.
 * It copies the function table (the surviving thread's open frames refer to
 * it by index) and the control block, and starts with zero statistics. */
static void IPROBE_NOINSTR after_fork_child(void) {
  struct iprobe_header *parent = iprobe_rt.header;
  if (!parent) return;
  struct iprobe_function *parent_functions = iprobe_rt.functions;
  uint64_t parent_size = parent->total_size;
  struct iprobe_geometry geometry = {
      .function_capacity = parent->function_capacity,
      .thread_capacity = parent->thread_capacity,
      .ring_capacity = parent->ring_capacity,
  };
  IPROBE_STORE(&iprobe_rt.header, 0);
  iprobe_fperf_after_fork(iprobe_tls.thread);
  if (iprobe_segment_create(&geometry, IPROBE_LOAD(&parent->control.mode), iprobe_rt.clock) != 0) {
    IPROBE_STORE(&start_state, FAILED);
  } else {
    struct iprobe_header *h = iprobe_rt.header;
    memcpy(iprobe_rt.functions, parent_functions, (size_t)geometry.function_capacity * sizeof *parent_functions);
    h->function_count = IPROBE_LOAD(&parent->function_count);
    h->control = parent->control;
    h->control.fperf_request = 0; /* the child has no control thread to answer it */
  }
  iprobe_thread_rebind_after_fork();
  munmap(parent, parent_size);
}
