/* The kernel's generic perf events by the names users already write for
 * them through PAPI and libpfm4 ("perf::PAGE-FAULTS", "perf::CYCLES"), and
 * the parser that turns such a name (with libpfm4's ":u=1:k=1" modifiers)
 * into a perf_event_attr. Shared by the addon (catalogue, validation) and
 * the in-target runtime (its per-thread counters), so both read a name the
 * same way. C11, no allocation, no locks: the runtime calls it from its
 * control thread. */
#ifndef IPROBE_SHARED_KERNEL_EVENTS_H
#define IPROBE_SHARED_KERNEL_EVENTS_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iprobe_kernel_event {
  const char *name;        /* canonical, as libpfm4's perf PMU spells it: "perf::TASK-CLOCK" */
  const char *aliases;     /* other spellings libpfm4 accepts, '|'-separated ("" when none) */
  uint32_t type;           /* PERF_TYPE_HARDWARE, _SOFTWARE or _HW_CACHE */
  uint64_t config;
  /* Raised while the kernel runs on the thread's behalf (context switches,
   * migrations): counted in both domains unless a modifier says otherwise,
   * since a user-only count of them is always zero. */
  int kernel_raised;
  const char *description;
};

/* The table, and its length. */
extern const struct iprobe_kernel_event iprobe_kernel_events[];
extern const size_t iprobe_kernel_event_count;

/* What a parsed name asks the kernel for. */
struct iprobe_kernel_event_spec {
  uint32_t type;
  int32_t index;           /* into iprobe_kernel_events */
  uint64_t config;
  uint8_t exclude_user;
  uint8_t exclude_kernel;  /* the default, as PAPI's user domain, except for kernel-raised events */
  uint8_t reserved[6];
};

/* Parses NAME[:u[=0|1]][:k[=0|1]] with an optional, case-insensitive
 * "perf::" prefix and any case of the base name. 0 on success; -1 with a
 * one-line reason in `error` otherwise. */
int iprobe_kernel_event_parse(const char *name, struct iprobe_kernel_event_spec *spec, char *error, size_t error_size);

/* A perf_event_attr for `spec`: counting (no sampling), this thread only,
 * hypervisor excluded, disabled when it is to lead a group (enabled with it). */
void iprobe_kernel_event_attr(const struct iprobe_kernel_event_spec *spec, int leader, struct perf_event_attr *attr);

#ifdef __cplusplus
}
#endif

#endif
