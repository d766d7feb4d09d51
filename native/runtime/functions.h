/* The function table: open addressing keyed by the address a hook receives.
 * Lookups are wait-free; an insert publishes the key with one CAS, so a
 * signal handler can never wait for an interrupted insert. The index of the
 * table entry is the function's id everywhere else (stats rows). */
#ifndef IPROBE_RUNTIME_FUNCTIONS_H
#define IPROBE_RUNTIME_FUNCTIONS_H

#include <stdint.h>

#include "runtime.h"

#define IPROBE_NO_FUNCTION UINT32_MAX

uint32_t iprobe_function_insert(uint64_t address, uint32_t kind, uint32_t start) IPROBE_INTERNAL;

IPROBE_INLINE uint32_t iprobe_function_hash(uint64_t address) {
  return (uint32_t)((address * 0x9E3779B97F4A7C15ull) >> iprobe_rt.function_shift);
}

IPROBE_INLINE uint32_t iprobe_function_lookup(uint64_t address, uint32_t kind) {
  uint32_t mask = iprobe_rt.function_capacity - 1;
  uint32_t i = iprobe_function_hash(address);
  for (uint32_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
    uint64_t key = IPROBE_LOAD_ACQUIRE(&iprobe_rt.functions[i].address);
    if (IPROBE_LIKELY(key == address)) return i;
    if (key == 0) return iprobe_function_insert(address, kind, i);
  }
  return IPROBE_NO_FUNCTION;
}

#endif
