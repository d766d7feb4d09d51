/* The runtime's control thread: it sleeps on control.fperf_request (a futex
 * in the shared segment, woken by the controller) and does the work that must
 * not run inside a hook, where the thread may hold malloc's or the loader's
 * locks, or be a signal handler: dlopen of libpapi, PAPI's initialisation,
 * the translation of event names, and a throw-away event set that pays
 * PAPI's one-time set-up (12–18 ms measured) outside any sampled function. */
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "fperf_config.h"
#include "papi_loader.h"
#include "runtime.h"

struct answer {
  int papi_error;
  char error[IPROBE_FPERF_TEXT_SIZE];
};

static int IPROBE_NOINSTR papi_failed(struct answer *a, const char *what, int rc) {
  a->papi_error = rc;
  snprintf(a->error, sizeof a->error, "%.120s: %.120s", what, iprobe_papi_error_text(rc));
  return -1;
}

/* Adds every event to a fresh set in this thread and starts it once, as a
 * sampling thread will: the same failure found here, not in a hook. */
static int IPROBE_NOINSTR warm_up(const struct iprobe_fperf_config *config, char names[][IPROBE_FPERF_NAME_SIZE],
                                  struct answer *a) {
  int set = PAPI_NULL;
  int rc = iprobe_papi.create_eventset(&set);
  if (rc != PAPI_OK) return papi_failed(a, "PAPI_create_eventset", rc);
  int result = 0;
  rc = iprobe_papi.assign_eventset_component(set, config->component);
  if (rc != PAPI_OK) result = papi_failed(a, "PAPI_assign_eventset_component", rc);
  for (int i = 0; result == 0 && i < config->count; i++) {
    rc = iprobe_papi.add_event(set, config->codes[i]);
    if (rc != PAPI_OK) result = papi_failed(a, names[i], rc);
  }
  if (result == 0) {
    long long values[IPROBE_FPERF_MAX_EVENTS];
    rc = iprobe_papi.start(set);
    if (rc != PAPI_OK) result = papi_failed(a, "PAPI_start", rc);
    else iprobe_papi.stop(set, values);
  }
  iprobe_papi.cleanup_eventset(set);
  iprobe_papi.destroy_eventset(&set);
  /* no PAPI_unregister_thread: this thread lives as long as the process, and
   * PAPI crashes on the next request if it was unregistered (measured) */
  return result;
}

static int IPROBE_NOINSTR configure(struct iprobe_fperf_block *b, struct answer *a) {
  if (iprobe_papi_load(a->error, sizeof a->error, &a->papi_error) != 0) return -1;
  struct iprobe_fperf_config config = {.count = (int)IPROBE_LOAD(&b->event_count)};
  if (config.count < 1 || config.count > IPROBE_FPERF_MAX_EVENTS) {
    snprintf(a->error, sizeof a->error, "asked for %d events; 1 to %d can be counted", config.count, IPROBE_FPERF_MAX_EVENTS);
    return -1;
  }
  char names[IPROBE_FPERF_MAX_EVENTS][IPROBE_FPERF_NAME_SIZE];
  for (int i = 0; i < config.count; i++) {
    memcpy(names[i], b->event_names[i], IPROBE_FPERF_NAME_SIZE);
    names[i][IPROBE_FPERF_NAME_SIZE - 1] = 0;
    int rc = iprobe_papi.event_name_to_code(names[i], &config.codes[i]);
    if (rc != PAPI_OK) return papi_failed(a, names[i], rc);
  }
  config.component = iprobe_papi.get_event_component(config.codes[0]);
  if (config.component < 0) return papi_failed(a, "PAPI_get_event_component", config.component);
  if (warm_up(&config, names, a) != 0) return -1;
  uint32_t generation = IPROBE_LOAD(&iprobe_fperf_generation) + 1;
  iprobe_fperf_configs[generation & 1] = config;
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
  IPROBE_STORE(&b->papi_version, (uint32_t)PAPI_VER_CURRENT);
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
    /* a shared futex: the controller's FUTEX_WAKE reaches us through the file mapping */
    syscall(SYS_futex, &h->control.fperf_request, FUTEX_WAIT, request, 0, 0, 0);
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
