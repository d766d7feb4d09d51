#include "functions.h"

/* Past 7/8 full, probe chains get long; the rest of the calls are dropped
 * (and counted) instead. */
static int IPROBE_NOINSTR table_has_room(void) {
  uint32_t used = IPROBE_LOAD(&iprobe_rt.header->function_count);
  return used < iprobe_rt.function_capacity - iprobe_rt.function_capacity / 8;
}

uint32_t iprobe_function_insert(uint64_t address, uint32_t kind, uint32_t start) {
  uint32_t mask = iprobe_rt.function_capacity - 1;
  uint32_t i = start;
  for (uint32_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
    struct iprobe_function *entry = &iprobe_rt.functions[i];
    uint64_t key = IPROBE_LOAD_ACQUIRE(&entry->address);
    if (key == address) return i;
    if (key != 0) continue;
    if (!table_has_room()) break;
    uint64_t expected = 0;
    if (__atomic_compare_exchange_n(&entry->address, &expected, address, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      IPROBE_STORE(&entry->kind, kind);
      IPROBE_STORE(&entry->fperf_quota, IPROBE_LOAD(&iprobe_rt.header->control.fperf_initial_quota));
      IPROBE_ADD(&iprobe_rt.header->function_count, 1);
      return i;
    }
    if (expected == address) return i; /* another thread inserted the same function */
  }
  IPROBE_ADD(&iprobe_rt.header->functions_dropped, 1);
  return IPROBE_NO_FUNCTION;
}
