/* The event configuration the control thread publishes and the hooks build
 * their per-thread counters from. Event codes stay in this process:
 * PAPI numbers native events per process, in lookup order, so only names
 * (and the backend to count them with) travel through shared memory. */
#ifndef IPROBE_RUNTIME_FPERF_CONFIG_H
#define IPROBE_RUNTIME_FPERF_CONFIG_H

#include <stdint.h>

#include "compiler.h"
#include "kernel_events.h"
#include "layout.h"

struct iprobe_fperf_config {
  uint32_t backend; /* enum iprobe_counter_backend */
  int count;
  int component;                            /* PAPI: the component of every event */
  int codes[IPROBE_FPERF_MAX_EVENTS];       /* PAPI: event codes */
  struct iprobe_kernel_event_spec kernel[IPROBE_FPERF_MAX_EVENTS]; /* kernel: what to open */
};

/* Generation g (0 = none yet) lives in configs[g & 1]: the control thread
 * fills the other one, then release-stores the new generation. */
extern struct iprobe_fperf_config iprobe_fperf_configs[2] IPROBE_HIDDEN;
extern uint32_t iprobe_fperf_generation IPROBE_HIDDEN;

/* Set in a fork() child: it holds copies of the parent's perf fds and PAPI
 * state, and must never call PAPI on them. */
extern uint32_t iprobe_fperf_forked IPROBE_HIDDEN;

/* Starts the thread that answers control.fperf_request (at start-up). */
void iprobe_fperf_start_control_thread(void) IPROBE_INTERNAL;

#endif
