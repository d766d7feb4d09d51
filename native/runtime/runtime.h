/* The runtime's process-wide state: where the segment is mapped and its
 * geometry, copied out of the header once so the hot path reads plain
 * private memory. Written at start-up and in the child after fork(). */
#ifndef IPROBE_RUNTIME_RUNTIME_H
#define IPROBE_RUNTIME_RUNTIME_H

#include <stdint.h>

#include "compiler.h"
#include "layout.h"

struct iprobe_runtime {
  struct iprobe_header *header; /* NULL until the segment is ready */
  struct iprobe_function *functions;
  struct iprobe_stat *retired;
  struct iprobe_thread_slot *slots;
  struct iprobe_stat *stats;
  struct iprobe_event *rings;
  struct iprobe_fperf_block *fperf;
  struct iprobe_fperf_row *fperf_retired;
  struct iprobe_fperf_row *fperf_rows;
  uint32_t function_capacity;
  uint32_t function_shift; /* 64 - log2(function_capacity), for the hash */
  uint32_t thread_capacity;
  uint32_t ring_capacity;
  uint32_t clock; /* enum iprobe_clock */
};

extern struct iprobe_runtime iprobe_rt IPROBE_HIDDEN;

/* Called by a hook that found no segment: starts the runtime if nobody has
 * (a hook can run before our constructor when another library's constructor
 * is instrumented). Returns the header, or NULL to drop the event. */
struct iprobe_header *iprobe_start_from_hook(void) IPROBE_INTERNAL;

#endif
