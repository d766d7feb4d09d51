/* The tick source of every timestamp: rdtsc whenever the CPU reports an
 * invariant TSC (a few ns, against 30–60 ns for clock_gettime on a VM whose
 * kernel clocksource is kvm-clock), else clock_gettime(CLOCK_MONOTONIC).
 *
 * The TSC is calibrated against CLOCK_MONOTONIC at start and checked again
 * about once a second by the hook whose rdtsc finds the check due (one
 * compare per read; no thread of its own). A check that finds the two clocks
 * apart by more than the bound switches the hooks to CLOCK_MONOTONIC for
 * good, scaled to TSC ticks with the calibrated rate so that the stats and
 * events already recorded keep their unit, and says so in the header. */
#ifndef IPROBE_RUNTIME_CLOCK_H
#define IPROBE_RUNTIME_CLOCK_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "runtime.h"

struct iprobe_clock_state {
  uint32_t source;     /* enum iprobe_clock_source: what iprobe_clock_now() reads (0 before start) */
  uint32_t reason;     /* enum iprobe_clock_reason */
  uint64_t next_check; /* the TSC value from which a hook checks; UINT64_MAX while one does or never */
  double ticks_per_ns; /* calibrated rate */
  uint64_t base_ticks; /* the last (TSC, CLOCK_MONOTONIC) pair a check trusted */
  uint64_t base_ns;
  uint64_t calibration_ticks; /* the pair the rate is measured from */
  uint64_t calibration_ns;
  uint64_t checks;
  uint64_t deviation_ns; /* largest gap a check measured */
};

extern struct iprobe_clock_state iprobe_clock IPROBE_HIDDEN;

IPROBE_INLINE uint64_t iprobe_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The slow paths of iprobe_clock_now(): the periodic check of the TSC, and
 * CLOCK_MONOTONIC in TSC ticks after a fall-back. */
uint64_t iprobe_clock_check(uint64_t tsc) IPROBE_INTERNAL __attribute__((noinline, cold));
uint64_t iprobe_clock_scaled(uint64_t monotonic_ns) IPROBE_INTERNAL;

IPROBE_INLINE uint64_t iprobe_clock_now(void) {
  if (IPROBE_LIKELY(iprobe_clock.source == IPROBE_SOURCE_TSC)) {
    uint64_t now = __rdtsc();
    if (IPROBE_UNLIKELY(now >= IPROBE_LOAD(&iprobe_clock.next_check))) now = iprobe_clock_check(now);
    return now;
  }
  uint64_t ns = iprobe_monotonic_ns();
  return IPROBE_LIKELY(iprobe_rt.clock != IPROBE_CLOCK_TSC) ? ns : iprobe_clock_scaled(ns);
}

/* Chooses the tick source (IPROBE_CLOCK=tsc|monotonic overrides) and, for
 * the TSC, measures its rate (about 1 ms). Returns the unit: enum iprobe_clock. */
uint32_t iprobe_clock_start(void) IPROBE_INTERNAL;

/* Writes the clock's fields into a new segment's header (anchor pair, rate,
 * source, reason) and sets iprobe_rt.clock; also in a fork child. */
void iprobe_clock_publish(struct iprobe_header *h, uint32_t clock) IPROBE_INTERNAL;

#endif
