#include "clock.h"

#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_SECOND 1000000000u
#define CALIBRATION_NS 1000000u       /* the start-up measurement of the rate */
#define CHECK_INTERVAL_NS NS_PER_SECOND
#define RETRY_INTERVAL_NS 100000000u  /* after a check that found no quiet moment to measure */
/* A pair whose TSC reads lie further apart than this was interrupted: not used. */
#define PAIR_WINDOW_NS 20000u
#define PAIR_ATTEMPTS 8
/* How far the TSC may stray from CLOCK_MONOTONIC between two checks: NTP
 * slews CLOCK_MONOTONIC by up to 500 ppm, the TSC not at all; a migrated VM
 * whose new host runs the TSC at another rate, or a jump, is far beyond. */
#define DRIFT_FIXED_NS 50000u
#define DRIFT_PPM 1000u

struct iprobe_clock_state iprobe_clock = {.next_check = UINT64_MAX};

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in every
 * P-, C- and T-state ("invariant TSC"; Linux calls it nonstop_tsc). */
static int IPROBE_NOINSTR tsc_is_invariant(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u) return 0;
  __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
  return (edx >> 8) & 1;
}

struct clock_pair {
  uint64_t ticks;
  uint64_t ns;
  uint64_t window; /* ticks between the two TSC reads around the clock_gettime */
};

/* A (TSC, CLOCK_MONOTONIC) pair read as close together as this thread can:
 * the narrowest of a few tries; window UINT64_MAX if every one was interrupted. */
static struct clock_pair IPROBE_NOINSTR read_pair(uint64_t max_window) {
  struct clock_pair best = {0, 0, UINT64_MAX};
  for (int i = 0; i < PAIR_ATTEMPTS; i++) {
    uint64_t before = __rdtsc();
    uint64_t ns = iprobe_monotonic_ns();
    uint64_t after = __rdtsc();
    if (after >= before && after - before < best.window) {
      best = (struct clock_pair){before + (after - before) / 2, ns, after - before};
    }
  }
  if (best.window > max_window) best.window = UINT64_MAX;
  return best;
}

static uint64_t IPROBE_NOINSTR ticks_for_ns(uint64_t ns) { return (uint64_t)((double)ns * iprobe_clock.ticks_per_ns); }

uint64_t iprobe_clock_scaled(uint64_t monotonic_ns) {
  struct iprobe_clock_state *c = &iprobe_clock;
  return c->base_ticks + (uint64_t)((double)(int64_t)(monotonic_ns - c->base_ns) * c->ticks_per_ns);
}

static void IPROBE_NOINSTR publish_rate(struct iprobe_header *h) {
  IPROBE_STORE(&h->clock_ticks_per_second, (uint64_t)(iprobe_clock.ticks_per_ns * NS_PER_SECOND + 0.5));
  IPROBE_STORE(&h->clock_checks, iprobe_clock.checks);
  IPROBE_STORE(&h->clock_deviation_ns, iprobe_clock.deviation_ns);
}

/* From now on CLOCK_MONOTONIC, continued from the last pair a check trusted. */
static void IPROBE_NOINSTR fall_back(struct iprobe_header *h) {
  struct iprobe_clock_state *c = &iprobe_clock;
  c->reason = IPROBE_CLOCK_REASON_TSC_DRIFTED;
  IPROBE_STORE_RELEASE(&c->source, IPROBE_SOURCE_MONOTONIC);
  if (!h) return;
  publish_rate(h);
  IPROBE_STORE(&h->clock_reason, c->reason);
  IPROBE_STORE_RELEASE(&h->clock_source, IPROBE_SOURCE_MONOTONIC);
}

/* One hook at a time gets here (it took next_check); the others go on. */
uint64_t iprobe_clock_check(uint64_t tsc) {
  struct iprobe_clock_state *c = &iprobe_clock;
  uint64_t due = IPROBE_LOAD(&c->next_check);
  if (tsc < due || !__atomic_compare_exchange_n(&c->next_check, &due, UINT64_MAX, 0, __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED)) {
    return tsc;
  }
  struct iprobe_header *h = iprobe_rt.header;
  struct clock_pair p = read_pair(ticks_for_ns(PAIR_WINDOW_NS));
  if (p.window == UINT64_MAX) { /* preempted every time: measure later */
    IPROBE_STORE_RELEASE(&c->next_check, tsc + ticks_for_ns(RETRY_INTERVAL_NS));
    return tsc;
  }
  /* what CLOCK_MONOTONIC should say by the TSC, since the last trusted pair */
  uint64_t elapsed_ns = p.ns - c->base_ns;
  double expected_ns = (double)(int64_t)(p.ticks - c->base_ticks) / c->ticks_per_ns;
  double gap = expected_ns - (double)elapsed_ns;
  if (gap < 0) gap = -gap;
  uint64_t deviation = (uint64_t)gap;
  c->checks++;
  if (deviation > c->deviation_ns) c->deviation_ns = deviation;
  if (deviation > DRIFT_FIXED_NS + elapsed_ns / 1000000u * DRIFT_PPM) {
    fall_back(h);
    return iprobe_clock_scaled(p.ns);
  }
  /* the longer the baseline, the finer the rate */
  c->ticks_per_ns = (double)(p.ticks - c->calibration_ticks) / (double)(p.ns - c->calibration_ns);
  c->base_ticks = p.ticks;
  c->base_ns = p.ns;
  if (h) publish_rate(h);
  IPROBE_STORE_RELEASE(&c->next_check, p.ticks + ticks_for_ns(CHECK_INTERVAL_NS));
  return tsc;
}

/* The rate over about CALIBRATION_NS; 0 when no quiet pair could be read
 * or the TSC does not advance at a plausible rate (0.1–20 GHz). */
static int IPROBE_NOINSTR calibrate(void) {
  struct iprobe_clock_state *c = &iprobe_clock;
  struct clock_pair first = read_pair(UINT64_MAX);
  while (iprobe_monotonic_ns() - first.ns < CALIBRATION_NS) {
  }
  struct clock_pair last = read_pair(UINT64_MAX);
  if (first.window == UINT64_MAX || last.window == UINT64_MAX || last.ticks <= first.ticks) return 0;
  double rate = (double)(last.ticks - first.ticks) / (double)(last.ns - first.ns);
  if (rate < 0.1 || rate > 20.0) return 0;
  c->ticks_per_ns = rate;
  c->calibration_ticks = first.ticks;
  c->calibration_ns = first.ns;
  c->base_ticks = last.ticks;
  c->base_ns = last.ns;
  c->next_check = last.ticks + ticks_for_ns(CHECK_INTERVAL_NS);
  return 1;
}

uint32_t iprobe_clock_start(void) {
  struct iprobe_clock_state *c = &iprobe_clock;
  const char *forced = getenv("IPROBE_CLOCK");
  int want_tsc;
  if (forced && (strcmp(forced, "monotonic") == 0 || strcmp(forced, "tsc") == 0)) {
    want_tsc = forced[0] == 't';
    c->reason = IPROBE_CLOCK_REASON_FORCED;
  } else {
    want_tsc = tsc_is_invariant();
    c->reason = want_tsc ? IPROBE_CLOCK_REASON_INVARIANT_TSC : IPROBE_CLOCK_REASON_NO_INVARIANT_TSC;
  }
  if (want_tsc && calibrate()) {
    c->source = IPROBE_SOURCE_TSC;
    return IPROBE_CLOCK_TSC;
  }
  if (want_tsc) c->reason = IPROBE_CLOCK_REASON_TSC_DRIFTED;
  c->source = IPROBE_SOURCE_MONOTONIC;
  return IPROBE_CLOCK_MONOTONIC;
}

void iprobe_clock_publish(struct iprobe_header *h, uint32_t clock) {
  struct iprobe_clock_state *c = &iprobe_clock;
  iprobe_rt.clock = clock;
  if (clock == IPROBE_CLOCK_TSC && c->source == IPROBE_SOURCE_TSC) {
    struct clock_pair p = read_pair(UINT64_MAX);
    h->clock_anchor_ticks = p.ticks;
    h->clock_anchor_ns = p.ns;
    /* a fork child whose parent was checking: the check is the child's now */
    if (IPROBE_LOAD(&c->next_check) == UINT64_MAX) IPROBE_STORE(&c->next_check, p.ticks);
  } else {
    uint64_t ns = iprobe_monotonic_ns();
    h->clock_anchor_ticks = clock == IPROBE_CLOCK_TSC ? iprobe_clock_scaled(ns) : ns;
    h->clock_anchor_ns = ns;
  }
  if (clock == IPROBE_CLOCK_TSC) publish_rate(h);
  h->clock = clock;
  h->clock_source = c->source;
  h->clock_reason = c->reason;
}
