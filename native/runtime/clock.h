/* The tick source of every timestamp. rdtsc where the TSC is invariant and
 * the kernel itself trusts it as its clocksource (then it is synchronised
 * across CPUs and costs a few ns), else clock_gettime(CLOCK_MONOTONIC). */
#ifndef IPROBE_RUNTIME_CLOCK_H
#define IPROBE_RUNTIME_CLOCK_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "runtime.h"

IPROBE_INLINE uint64_t iprobe_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

IPROBE_INLINE uint64_t iprobe_clock_now(void) {
  if (IPROBE_LIKELY(iprobe_rt.clock == IPROBE_CLOCK_TSC)) return __rdtsc();
  return iprobe_monotonic_ns();
}

/* Chooses the tick source (IPROBE_CLOCK=tsc|monotonic overrides). */
uint32_t iprobe_clock_select(void) IPROBE_INTERNAL;

#endif
