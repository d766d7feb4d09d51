/* A thread's counters for FPerf, behind one interface whatever counts them:
 * PAPI (presets and CPU-specific native events, where its perf_event
 * component is active) or the kernel's perf_event_open(2) directly (its
 * generic hardware and software events, where PAPI cannot: libpfm4 knowing
 * no PMU for the CPU switches off PAPI's whole perf_event component, the
 * software events with it). The configuration says which; fperf.c calls
 * only these. */
#ifndef IPROBE_RUNTIME_COUNTERS_H
#define IPROBE_RUNTIME_COUNTERS_H

#include <stdint.h>

#include "compiler.h"
#include "fperf_config.h"

/* One thread's started counters. */
struct iprobe_counter_set {
  uint32_t backend; /* enum iprobe_counter_backend */
  uint32_t events;
  uint32_t failed_event; /* after a failed open: the event it failed at, or events when none */
  int papi_set;     /* PAPI handle, PAPI_NULL when none */
  int fds[IPROBE_FPERF_MAX_EVENTS]; /* kernel: fds[0] leads the group; -1 when closed */
};

/* An empty set (nothing to close). */
void iprobe_counters_init(struct iprobe_counter_set *s) IPROBE_INTERNAL;

/* Creates and starts a set counting thread `tid` of this process (0: the
 * calling thread). 0, or the backend's error code with the failing call's
 * name in *call. It allocates (PAPI) and makes system calls: never call it in
 * a hook; the control thread opens every sampling thread's set
 * (fperf_threads.c). */
int iprobe_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                         const char **call) IPROBE_INTERNAL;

/* One value per event; 0, or the backend's error code. Any thread may read a
 * set, and a hook does: one read(2) of the group (through PAPI_read for
 * PAPI), no allocation, no lock. These calls may set errno: the hook
 * handlers give the program's errno back (hooks.c). */
int iprobe_counters_read(struct iprobe_counter_set *s, long long *values) IPROBE_INTERNAL;

/* Stops and frees the set; it is empty afterwards. */
void iprobe_counters_close(struct iprobe_counter_set *s) IPROBE_INTERNAL;

/* The backend's text for one of its error codes. */
const char *iprobe_counters_error_text(uint32_t backend, int code) IPROBE_INTERNAL;

/* The per-backend halves (counters_papi.c, counters_kernel.c). */
int iprobe_papi_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                              const char **call) IPROBE_INTERNAL;
int iprobe_papi_counters_read(struct iprobe_counter_set *s, long long *values) IPROBE_INTERNAL;
void iprobe_papi_counters_close(struct iprobe_counter_set *s) IPROBE_INTERNAL;
int iprobe_kernel_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                                const char **call) IPROBE_INTERNAL;
int iprobe_kernel_counters_read(struct iprobe_counter_set *s, long long *values) IPROBE_INTERNAL;
void iprobe_kernel_counters_close(struct iprobe_counter_set *s) IPROBE_INTERNAL;

#endif
