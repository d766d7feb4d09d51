/* The micro-benchmark of `iprobe bench` (paper Figure 5.7): an empty
 * function called CALLS times, timed inside the program so that start-up,
 * attaching a tracer and creating its buffers are not counted.
 *
 * Usage: empty-calls CALLS [xray-mode]
 * Prints "ns_per_call X" and "calls N".
 *
 * EMPTY_CALLS_WAIT=1 in the environment: print "ready" and wait for a line
 * on stdin before timing, so that a controller can switch probes on first;
 * after the results, wait for another line before exiting, so that it can
 * read what the runtime counted.
 *
 * Built with clang -fxray-instrument -DEMPTY_CALLS_XRAY, the xray-mode
 * argument chooses: "unpatched" (sleds left as they are), "patched" (all
 * sleds patched, no handler installed) or "count" (patched, with a handler
 * that counts every event). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef EMPTY_CALLS_XRAY
#define NOT_TRACED __attribute__((no_instrument_function, xray_never_instrument))
/* xray_interface.h is C++; these two entry points are plain C ABI. */
int __xray_set_handler(void (*entry)(int32_t function_id, int event_type));
int __xray_patch(void);
enum { XRAY_PATCHING_SUCCESS = 1 };
static uint64_t xray_events;
NOT_TRACED static void count_event(int32_t function_id, int event_type) {
  (void)function_id;
  (void)event_type;
  __atomic_fetch_add(&xray_events, 1, __ATOMIC_RELAXED);
}
#else
#define NOT_TRACED __attribute__((no_instrument_function))
#endif

/* The asm keeps the call: an empty body would let the compiler drop it. */
__attribute__((noinline)) void empty(void) { __asm__ volatile(""); }

NOT_TRACED static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

NOT_TRACED int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 1000000;
  if (calls < 1) {
    fprintf(stderr, "empty-calls: CALLS must be positive\n");
    return 2;
  }
#ifdef EMPTY_CALLS_XRAY
  const char *mode = argc > 2 ? argv[2] : "unpatched";
  if (strcmp(mode, "count") == 0) __xray_set_handler(count_event);
  if (strcmp(mode, "unpatched") != 0 && __xray_patch() != XRAY_PATCHING_SUCCESS) {
    fprintf(stderr, "empty-calls: __xray_patch failed\n");
    return 1;
  }
#endif
  int controlled = getenv("EMPTY_CALLS_WAIT") != NULL;
  char line[16];
  if (controlled) {
    puts("ready");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) return 1;
  }
  double start = now_ns();
  for (long i = 0; i < calls; i++) empty();
  double elapsed = now_ns() - start;
  printf("ns_per_call %.4f\ncalls %ld\n", elapsed / (double)calls, calls);
#ifdef EMPTY_CALLS_XRAY
  if (strcmp(mode, "count") == 0) printf("events %llu\n", (unsigned long long)xray_events);
#endif
  if (controlled) {
    puts("done");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) return 1;
  }
  return 0;
}
