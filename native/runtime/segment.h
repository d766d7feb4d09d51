/* The shared-memory segment of this process: /dev/shm/iprobe.<pid>, mode
 * 0600, created with O_EXCL so that nobody else's file is ever written. */
#ifndef IPROBE_RUNTIME_SEGMENT_H
#define IPROBE_RUNTIME_SEGMENT_H

#include <stdint.h>

#include "runtime.h"

struct iprobe_geometry {
  uint32_t function_capacity; /* power of two */
  uint32_t thread_capacity;
  uint32_t ring_capacity; /* power of two */
};

/* Creates and maps the segment of the calling process, fills its header and
 * points iprobe_rt at it (the header becomes visible last). 0 on success. */
int iprobe_segment_create(const struct iprobe_geometry *geometry, uint32_t mode, uint32_t clock) IPROBE_INTERNAL;

/* Removes the segment's name; the mapping stays valid for late hooks. */
void iprobe_segment_unlink(void) IPROBE_INTERNAL;

#endif
