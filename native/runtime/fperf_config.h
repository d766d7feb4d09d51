/* The event configuration the control thread publishes and the hooks build
 * their per-thread event sets from. Event codes stay in this process:
 * PAPI numbers native events per process, in lookup order, so only names
 * travel through shared memory. */
#ifndef IPROBE_RUNTIME_FPERF_CONFIG_H
#define IPROBE_RUNTIME_FPERF_CONFIG_H

#include <stdint.h>

#include "compiler.h"
#include "layout.h"

struct iprobe_fperf_config {
  int count;
  int component;
  int codes[IPROBE_FPERF_MAX_EVENTS];
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
