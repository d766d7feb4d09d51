/* The runtime's control thread: it sleeps on control.fperf_request (a futex
 * in the shared segment, woken by the controller, and by hooks that need
 * counters) and does the work that must not run inside a hook, where the
 * thread may hold malloc's or the loader's locks, or be a signal handler:
 * dlopen of libpapi, PAPI's initialisation, the translation of event names
 * (PAPI's codes, or the kernel's attributes), a throw-away set of counters
 * that finds a failure here rather than in a hook and pays PAPI's one-time
 * set-up (12–18 ms measured) outside any sampled function, and every
 * thread's own set (fperf_threads.c). */
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "counters.h"
#include "fperf_config.h"
#include "fperf_threads.h"
#include "papi_loader.h"
#include "runtime.h"

/* The longest a thread waits for its counters when its wake was lost. */
#define HANDOFF_POLL_NS (20 * 1000 * 1000)

struct answer {
  int papi_error;
  char error[IPROBE_FPERF_TEXT_SIZE];
};

static int IPROBE_NOINSTR papi_failed(struct answer *a, const char *what, int rc) {
  a->papi_error = rc;
  snprintf(a->error, sizeof a->error, "%.120s: %.120s", what, iprobe_papi_error_text(rc));
  return -1;
}

/* Opens the configured counters for this thread once, by tid as every
 * sampling thread's are opened (for PAPI: PAPI_attach), reads them and
 * closes them: a failure is found here and answered, not met thread by
 * thread. PAPI's first set also pays its one-time set-up here. */
static int IPROBE_NOINSTR warm_up(const struct iprobe_fperf_config *config, char names[][IPROBE_FPERF_NAME_SIZE],
                                  struct answer *a) {
  struct iprobe_counter_set set;
  const char *call = "";
  int rc = iprobe_counters_open(&set, config, (uint32_t)gettid(), &call);
  long long values[IPROBE_FPERF_MAX_EVENTS];
  if (rc == 0) {
    rc = iprobe_counters_read(&set, values);
    call = config->backend == IPROBE_COUNTERS_KERNEL ? "read" : "PAPI_read";
    iprobe_counters_close(&set);
  }
  /* no PAPI_unregister_thread: this thread lives as long as the process, and
   * PAPI crashes on the next request if it was unregistered (measured) */
  if (rc == 0) return 0;
  a->papi_error = rc;
  /* the event, when one was refused; else the call that failed */
  const char *what = set.failed_event < (uint32_t)config->count ? names[set.failed_event] : call;
  /* PAPI's perf_event component checks an attach by opening a hardware
   * instructions event for the thread: without a PMU (most VMs) it refuses
   * even for software events */
  const char *why = config->backend == IPROBE_COUNTERS_PAPI && strcmp(call, "PAPI_attach") == 0 && rc == PAPI_ENOEVNT
                        ? " (PAPI's attach to a thread checks a hardware event: none without a PMU;"
                          " use --counters kernel)"
                        : "";
  snprintf(a->error, sizeof a->error, "%.60s: %.60s%.100s", what, iprobe_counters_error_text(config->backend, rc), why);
  return -1;
}

/* PAPI's codes for the names, in this process; libpapi loaded on the first request. */
static int IPROBE_NOINSTR configure_papi(struct iprobe_fperf_config *config, char names[][IPROBE_FPERF_NAME_SIZE],
                                         struct answer *a) {
  if (iprobe_papi_load(a->error, sizeof a->error, &a->papi_error) != 0) return -1;
  for (int i = 0; i < config->count; i++) {
    int rc = iprobe_papi.event_name_to_code(names[i], &config->codes[i]);
    if (rc != PAPI_OK) return papi_failed(a, names[i], rc);
  }
  config->component = iprobe_papi.get_event_component(config->codes[0]);
  if (config->component < 0) return papi_failed(a, "PAPI_get_event_component", config->component);
  return 0;
}

/* The kernel's event specs for the names: no library to load. */
static int IPROBE_NOINSTR configure_kernel(struct iprobe_fperf_config *config, char names[][IPROBE_FPERF_NAME_SIZE],
                                           struct answer *a) {
  for (int i = 0; i < config->count; i++) {
    if (iprobe_kernel_event_parse(names[i], &config->kernel[i], a->error, sizeof a->error) != 0) return -1;
  }
  return 0;
}

static int IPROBE_NOINSTR configure(struct iprobe_fperf_block *b, struct answer *a) {
  struct iprobe_fperf_config config = {.backend = IPROBE_LOAD(&b->backend), .count = (int)IPROBE_LOAD(&b->event_count)};
  if (config.backend != IPROBE_COUNTERS_PAPI && config.backend != IPROBE_COUNTERS_KERNEL) {
    snprintf(a->error, sizeof a->error, "asked for counter backend %u; this runtime knows 0 (PAPI) and 1 (kernel)",
             config.backend);
    return -1;
  }
  if (config.count < 1 || config.count > IPROBE_FPERF_MAX_EVENTS) {
    snprintf(a->error, sizeof a->error, "asked for %d events; 1 to %d can be counted", config.count, IPROBE_FPERF_MAX_EVENTS);
    return -1;
  }
  char names[IPROBE_FPERF_MAX_EVENTS][IPROBE_FPERF_NAME_SIZE];
  for (int i = 0; i < config.count; i++) {
    memcpy(names[i], b->event_names[i], IPROBE_FPERF_NAME_SIZE);
    names[i][IPROBE_FPERF_NAME_SIZE - 1] = 0;
  }
  int rc = config.backend == IPROBE_COUNTERS_KERNEL ? configure_kernel(&config, names, a) : configure_papi(&config, names, a);
  if (rc != 0 || warm_up(&config, names, a) != 0) return -1;
  uint32_t generation = IPROBE_LOAD(&iprobe_fperf_generation) + 1;
  iprobe_fperf_configs[generation & 1] = config;
  /* the threads already registered get their sets before they can see the
   * generation, so they lose no sample to "not ready" */
  if (iprobe_handoff_prepare(generation) != 0) {
    snprintf(a->error, sizeof a->error, "no memory for the table of per-thread counters");
    return -1;
  }
  IPROBE_STORE_RELEASE(&iprobe_fperf_generation, generation);
  IPROBE_STORE(&b->configuration, generation);
  return 0;
}

static void IPROBE_NOINSTR answer(struct iprobe_fperf_block *b, uint32_t request) {
  IPROBE_STORE(&b->state, IPROBE_FPERF_LOADING);
  uint64_t started = iprobe_monotonic_ns();
  struct answer a = {0};
  int ok = configure(b, &a) == 0;
  IPROBE_STORE(&b->setup_ns, iprobe_monotonic_ns() - started);
  if (IPROBE_LOAD(&b->backend) == IPROBE_COUNTERS_PAPI) IPROBE_STORE(&b->papi_version, (uint32_t)PAPI_VER_CURRENT);
  IPROBE_STORE(&b->papi_error, a.papi_error);
  memcpy(b->error, a.error, sizeof b->error);
  IPROBE_STORE(&b->state, ok ? IPROBE_FPERF_READY : IPROBE_FPERF_FAILED);
  IPROBE_STORE_RELEASE(&b->answered_request, request);
}

static void *IPROBE_NOINSTR control_main(void *unused) {
  (void)unused;
  struct iprobe_header *h = iprobe_rt.header;
  struct iprobe_fperf_block *b = iprobe_rt.fperf;
  IPROBE_STORE(&b->control_tid, (uint32_t)gettid());
  uint32_t answered = 0;
  for (;;) {
    uint32_t request = IPROBE_LOAD_ACQUIRE(&h->control.fperf_request);
    if (request != answered) {
      answer(b, request);
      answered = request;
      continue;
    }
    iprobe_handoff_serve();
    /* A shared futex: the controller's FUTEX_WAKE reaches us through the
     * file mapping. A hook's wake does not change the word, so one that
     * comes between the serve above and the wait is lost; once threads can
     * ask, the wait is bounded and the request waits at most one poll. */
    static const struct timespec poll = {0, HANDOFF_POLL_NS};
    syscall(SYS_futex, &h->control.fperf_request, FUTEX_WAIT, request,
            iprobe_handoff_active() ? &poll : 0, 0, 0);
  }
  return 0;
}

void iprobe_fperf_start_control_thread(void) {
  /* every signal blocked, so that a process-directed signal is never delivered here */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_t attr;
  pthread_t thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  if (pthread_create(&thread, &attr, control_main, 0) == 0) pthread_setname_np(thread, "iprobe-control");
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &previous, 0);
}
