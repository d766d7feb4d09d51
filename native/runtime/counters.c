/* Dispatch of a thread's counters to the backend its configuration names. */
#include "counters.h"

#include <string.h>
#include <unistd.h>

#include "papi_loader.h"
#include "runtime.h"

void iprobe_counters_init(struct iprobe_counter_set *s) {
  s->backend = IPROBE_COUNTERS_PAPI;
  s->events = 0;
  s->failed_event = 0;
  s->papi_set = PAPI_NULL;
  for (int i = 0; i < IPROBE_FPERF_MAX_EVENTS; i++) s->fds[i] = -1;
}

int iprobe_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                         const char **call) {
  /* The promise that no hook opens counters, kept where a test can see it:
   * every open off the control thread is counted (fperf.off_control_opens). */
  if ((uint32_t)gettid() != IPROBE_LOAD(&iprobe_rt.fperf->control_tid)) IPROBE_ADD(&iprobe_rt.fperf->off_control_opens, 1);
  iprobe_counters_init(s);
  s->backend = config->backend;
  s->failed_event = (uint32_t)config->count;
  return config->backend == IPROBE_COUNTERS_KERNEL ? iprobe_kernel_counters_open(s, config, tid, call)
                                                   : iprobe_papi_counters_open(s, config, tid, call);
}

int iprobe_counters_read(struct iprobe_counter_set *s, long long *values) {
  return s->backend == IPROBE_COUNTERS_KERNEL ? iprobe_kernel_counters_read(s, values)
                                              : iprobe_papi_counters_read(s, values);
}

void iprobe_counters_close(struct iprobe_counter_set *s) {
  if (s->backend == IPROBE_COUNTERS_KERNEL) iprobe_kernel_counters_close(s);
  else iprobe_papi_counters_close(s);
}

const char *iprobe_counters_error_text(uint32_t backend, int code) {
  if (backend == IPROBE_COUNTERS_KERNEL) {
    /* strerrordesc_np: no locale, no buffer, safe where strerror is not */
    const char *text = strerrordesc_np(code);
    return text ? text : "unknown error";
  }
  return iprobe_papi_error_text(code);
}
