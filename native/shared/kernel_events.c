#include "kernel_events.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HW(id) PERF_TYPE_HARDWARE, PERF_COUNT_HW_##id
#define SW(id) PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##id
#define CACHE(cache, op, result)                                                                                       \
  PERF_TYPE_HW_CACHE,                                                                                                  \
      (PERF_COUNT_HW_CACHE_##cache | (PERF_COUNT_HW_CACHE_OP_##op << 8) | (PERF_COUNT_HW_CACHE_RESULT_##result << 16))

/* Names and aliases as libpfm4's "perf" PMU has them, so that a name that
 * works through PAPI on one machine works directly on another. */
const struct iprobe_kernel_event iprobe_kernel_events[] = {
    {"perf::CYCLES", "CPU-CYCLES|PERF_COUNT_HW_CPU_CYCLES", HW(CPU_CYCLES), 0, "CPU cycles"},
    {"perf::INSTRUCTIONS", "PERF_COUNT_HW_INSTRUCTIONS", HW(INSTRUCTIONS), 0, "Instructions retired"},
    {"perf::CACHE-REFERENCES", "PERF_COUNT_HW_CACHE_REFERENCES", HW(CACHE_REFERENCES), 0,
     "Cache accesses (usually the last-level cache)"},
    {"perf::CACHE-MISSES", "PERF_COUNT_HW_CACHE_MISSES", HW(CACHE_MISSES), 0, "Cache misses (usually the last-level cache)"},
    {"perf::BRANCH-INSTRUCTIONS", "BRANCHES|PERF_COUNT_HW_BRANCH_INSTRUCTIONS", HW(BRANCH_INSTRUCTIONS), 0,
     "Branch instructions retired"},
    {"perf::BRANCH-MISSES", "PERF_COUNT_HW_BRANCH_MISSES", HW(BRANCH_MISSES), 0, "Mispredicted branches"},
    {"perf::BUS-CYCLES", "PERF_COUNT_HW_BUS_CYCLES", HW(BUS_CYCLES), 0, "Bus cycles"},
    {"perf::STALLED-CYCLES-FRONTEND", "IDLE-CYCLES-FRONTEND|PERF_COUNT_HW_STALLED_CYCLES_FRONTEND",
     HW(STALLED_CYCLES_FRONTEND), 0, "Cycles the front end stalled"},
    {"perf::STALLED-CYCLES-BACKEND", "IDLE-CYCLES-BACKEND|PERF_COUNT_HW_STALLED_CYCLES_BACKEND", HW(STALLED_CYCLES_BACKEND),
     0, "Cycles the back end stalled"},
    {"perf::REF-CYCLES", "PERF_COUNT_HW_REF_CPU_CYCLES", HW(REF_CPU_CYCLES), 0, "Reference cycles (not scaled by frequency)"},
    {"perf::L1-DCACHE-LOADS", "", CACHE(L1D, READ, ACCESS), 0, "Level 1 data cache loads"},
    {"perf::L1-DCACHE-LOAD-MISSES", "", CACHE(L1D, READ, MISS), 0, "Level 1 data cache load misses"},
    {"perf::L1-ICACHE-LOAD-MISSES", "", CACHE(L1I, READ, MISS), 0, "Level 1 instruction cache misses"},
    {"perf::LLC-LOADS", "", CACHE(LL, READ, ACCESS), 0, "Last-level cache loads"},
    {"perf::LLC-LOAD-MISSES", "", CACHE(LL, READ, MISS), 0, "Last-level cache load misses"},
    {"perf::DTLB-LOAD-MISSES", "", CACHE(DTLB, READ, MISS), 0, "Data TLB load misses"},
    {"perf::ITLB-LOAD-MISSES", "", CACHE(ITLB, READ, MISS), 0, "Instruction TLB misses"},
    {"perf::TASK-CLOCK", "PERF_COUNT_SW_TASK_CLOCK", SW(TASK_CLOCK), 0, "Nanoseconds the thread ran on a CPU"},
    {"perf::CPU-CLOCK", "PERF_COUNT_SW_CPU_CLOCK", SW(CPU_CLOCK), 0, "Nanoseconds of CPU clock while the thread ran"},
    {"perf::PAGE-FAULTS", "FAULTS|PERF_COUNT_SW_PAGE_FAULTS", SW(PAGE_FAULTS), 0, "Page faults"},
    {"perf::MINOR-FAULTS", "PERF_COUNT_SW_PAGE_FAULTS_MIN", SW(PAGE_FAULTS_MIN), 0, "Page faults served without I/O"},
    {"perf::MAJOR-FAULTS", "PERF_COUNT_SW_PAGE_FAULTS_MAJ", SW(PAGE_FAULTS_MAJ), 0, "Page faults that needed I/O"},
    {"perf::CONTEXT-SWITCHES", "CS|PERF_COUNT_SW_CONTEXT_SWITCHES", SW(CONTEXT_SWITCHES), 1, "Context switches"},
    {"perf::CPU-MIGRATIONS", "MIGRATIONS|PERF_COUNT_SW_CPU_MIGRATIONS", SW(CPU_MIGRATIONS), 1,
     "Moves of the thread to another CPU"},
    {"perf::ALIGNMENT-FAULTS", "PERF_COUNT_SW_ALIGNMENT_FAULTS", SW(ALIGNMENT_FAULTS), 0, "Unaligned accesses fixed up by the kernel"},
    {"perf::EMULATION-FAULTS", "PERF_COUNT_SW_EMULATION_FAULTS", SW(EMULATION_FAULTS), 0,
     "Instructions the kernel emulated"},
};
const size_t iprobe_kernel_event_count = sizeof iprobe_kernel_events / sizeof iprobe_kernel_events[0];

#define PREFIX "perf::"

/* Does `base` (length n) equal one of the '|'-separated `names`, ignoring case? */
static int one_of(const char *names, const char *base, size_t n) {
  while (*names) {
    const char *end = strchr(names, '|');
    size_t length = end ? (size_t)(end - names) : strlen(names);
    if (length == n && strncasecmp(names, base, n) == 0) return 1;
    if (!end) break;
    names = end + 1;
  }
  return 0;
}

static int find(const char *base, size_t n) {
  for (size_t i = 0; i < iprobe_kernel_event_count; i++) {
    const char *name = iprobe_kernel_events[i].name + sizeof PREFIX - 1;
    if ((strlen(name) == n && strncasecmp(name, base, n) == 0) || one_of(iprobe_kernel_events[i].aliases, base, n)) {
      return (int)i;
    }
  }
  return -1;
}

/* One ":u", ":k", ":u=0|1" or ":k=0|1"; 0 with *which and *value set, or -1. */
static int modifier(const char *text, size_t n, char *which, int *value) {
  if (n == 0) return -1;
  char c = (char)(text[0] | 0x20);
  if (c != 'u' && c != 'k') return -1;
  *which = c;
  if (n == 1) {
    *value = 1;
    return 0;
  }
  if (n == 3 && text[1] == '=' && (text[2] == '0' || text[2] == '1')) {
    *value = text[2] - '0';
    return 0;
  }
  return -1;
}

int iprobe_kernel_event_parse(const char *name, struct iprobe_kernel_event_spec *spec, char *error, size_t error_size) {
  const char *base = name;
  if (strncasecmp(base, PREFIX, sizeof PREFIX - 1) == 0) base += sizeof PREFIX - 1;
  const char *colon = strchr(base, ':');
  size_t n = colon ? (size_t)(colon - base) : strlen(base);
  int index = find(base, n);
  if (index < 0) {
    snprintf(error, error_size, "%s: not a kernel generic event", name);
    return -1;
  }
  const struct iprobe_kernel_event *e = &iprobe_kernel_events[index];
  /* no modifier: the default domains; any modifier: exactly the domains named */
  int user = -1, kernel = -1;
  while (colon) {
    const char *text = colon + 1;
    colon = strchr(text, ':');
    size_t length = colon ? (size_t)(colon - text) : strlen(text);
    char which;
    int value;
    if (modifier(text, length, &which, &value) != 0) {
      snprintf(error, error_size, "%s: unknown modifier ':%.*s' (the kernel events take :u, :k, :u=0|1, :k=0|1)", name,
               (int)length, text);
      return -1;
    }
    if (which == 'u') user = value;
    else kernel = value;
  }
  if (user < 0 && kernel < 0) {
    user = 1;
    kernel = e->kernel_raised;
  } else {
    user = user > 0;
    kernel = kernel > 0;
  }
  if (!user && !kernel) {
    snprintf(error, error_size, "%s: counts in neither the user nor the kernel domain", name);
    return -1;
  }
  memset(spec, 0, sizeof *spec);
  spec->type = e->type;
  spec->config = e->config;
  spec->index = index;
  spec->exclude_user = (uint8_t)!user;
  spec->exclude_kernel = (uint8_t)!kernel;
  return 0;
}

void iprobe_kernel_event_attr(const struct iprobe_kernel_event_spec *spec, int leader, struct perf_event_attr *attr) {
  memset(attr, 0, sizeof *attr);
  attr->size = sizeof *attr;
  attr->type = spec->type;
  attr->config = spec->config;
  attr->read_format = PERF_FORMAT_GROUP;
  attr->disabled = leader ? 1 : 0; /* members count when the leader is enabled */
  attr->exclude_user = spec->exclude_user;
  attr->exclude_kernel = spec->exclude_kernel;
  attr->exclude_hv = 1;
}
