/* Hot-path cost of the runtime: an empty function called N times (argv[1],
 * default 10^7), timed inside the program so that start-up and segment
 * creation are not counted; prints nanoseconds per call, best of argv[2]
 * (default 5) passes. Build it with and without -finstrument-functions;
 * see hot-path-cost.sh.
 *
 * With DRAIN=1 in the environment (trace mode), the program plays the
 * reader too: every half ring it marks its own ring as consumed, the way a
 * reader keeps up in steady state, so that the recording path is measured
 * on a warm ring instead of the drop path or first-touch page faults. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../native/runtime/layout.h"

#define NOINSTR __attribute__((no_instrument_function))

__attribute__((noinline)) void empty(void) { __asm__ volatile(""); }

NOINSTR static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* the first thread slot of our own segment: the one this single thread uses */
NOINSTR static struct iprobe_thread_slot *own_slot(uint32_t *ring_capacity) {
  char path[64];
  snprintf(path, sizeof path, "/dev/shm/iprobe.%d", (int)getpid());
  int fd = open(path, O_RDWR);
  if (fd < 0) return 0;
  off_t size = lseek(fd, 0, SEEK_END);
  char *base = mmap(0, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) return 0;
  struct iprobe_header *h = (struct iprobe_header *)base;
  *ring_capacity = h->ring_capacity;
  return (struct iprobe_thread_slot *)(base + h->slots_offset);
}

NOINSTR int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 10000000;
  int passes = argc > 2 ? atoi(argv[2]) : 5;
  uint32_t ring = 0;
  struct iprobe_thread_slot *slot = getenv("DRAIN") ? own_slot(&ring) : 0;
  long batch = slot ? ring / 4 : calls; /* a call is two events */
  double best = 1e30;
  for (int pass = 0; pass < passes; pass++) {
    double start = now_ns();
    for (long done = 0; done < calls; done += batch) {
      for (long i = 0; i < batch && done + i < calls; i++) empty();
      if (slot) __atomic_store_n(&slot->read_index, __atomic_load_n(&slot->write_index, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
    }
    double per_call = (now_ns() - start) / (double)calls;
    if (per_call < best) best = per_call;
  }
  printf("%.2f\n", best);
  return 0;
}
