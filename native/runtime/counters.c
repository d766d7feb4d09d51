/* Dispatch of a thread's counters to the backend its configuration names. */
#include "counters.h"

#include <string.h>

#include "papi_loader.h"

void iprobe_counters_init(struct iprobe_counter_set *s) {
  s->backend = IPROBE_COUNTERS_PAPI;
  s->events = 0;
  s->failed_event = 0;
  s->papi_set = PAPI_NULL;
  for (int i = 0; i < IPROBE_FPERF_MAX_EVENTS; i++) s->fds[i] = -1;
}

int iprobe_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, const char **call) {
  iprobe_counters_init(s);
  s->backend = config->backend;
  s->failed_event = (uint32_t)config->count;
  return config->backend == IPROBE_COUNTERS_KERNEL ? iprobe_kernel_counters_open(s, config, call)
                                                   : iprobe_papi_counters_open(s, config, call);
}

int iprobe_counters_read(struct iprobe_counter_set *s, long long *values) {
  return s->backend == IPROBE_COUNTERS_KERNEL ? iprobe_kernel_counters_read(s, values)
                                              : iprobe_papi_counters_read(s, values);
}

void iprobe_counters_close(struct iprobe_counter_set *s) {
  if (s->backend == IPROBE_COUNTERS_KERNEL) iprobe_kernel_counters_close(s);
  else iprobe_papi_counters_close(s);
}

void iprobe_counters_thread_exit(uint32_t backend) {
  /* PAPI keeps per-thread state (a perf fd per event) until told the thread is gone */
  if (backend == IPROBE_COUNTERS_PAPI) iprobe_papi.unregister_thread();
}

const char *iprobe_counters_error_text(uint32_t backend, int code) {
  if (backend == IPROBE_COUNTERS_KERNEL) {
    /* strerrordesc_np: no locale, no buffer, safe where strerror is not */
    const char *text = strerrordesc_np(code);
    return text ? text : "unknown error";
  }
  return iprobe_papi_error_text(code);
}
