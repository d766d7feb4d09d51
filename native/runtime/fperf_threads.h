/* The hand-off of a thread's counters between its hooks and the control
 * thread. A hook may run in a signal handler, in a fork() child, or while
 * its thread holds malloc's or the loader's lock, so it never opens
 * counters (PAPI allocates and locks; perf_event_open is a slow system call
 * that allocates in the kernel): the control thread opens them for the
 * thread, by tid, and the hook only reads them.
 *
 *   hook (thread T in slot i)                 control thread
 *   ---------------------------------------   -----------------------------------
 *                                             on a new configuration g: opens a
 *                                             set for every thread in
 *                                             /proc/self/task, ready = T:g
 *   first sample of g: finds T:g ready and
 *   takes it; else want[i] = T:g (release)
 *   and a futex wake; no sample ("not ready")  sees want[i] changed: closes T's
 *                                             sets of older configurations (and
 *                                             the slot's previous thread's),
 *                                             opens T:g, ready = T:g (release)
 *   next hook: finds T:g, takes it
 *   thread exit: want[i] = T:0, wake          closes T's sets
 *
 * Each word has one writer. Once T has stored a new want it never reads a
 * set it had before (program order before the release), so the control
 * thread may close those. Sets of threads that ended without a hook (and so
 * without the exit message) are reaped by tid. */
#ifndef IPROBE_RUNTIME_FPERF_THREADS_H
#define IPROBE_RUNTIME_FPERF_THREADS_H

#include <stdint.h>

#include "counters.h"
#include "fperf_config.h"

/* One open (or refused) set; private memory of the process: fds and PAPI
 * handles mean nothing elsewhere. */
struct iprobe_thread_counters {
  uint64_t ready; /* (tid << 32) | generation, release-stored after the rest; 0: a free entry */
  uint32_t state; /* enum iprobe_fperf_thread_state: COUNTING, FAILED or LIMITED */
  int error;      /* the backend's code when FAILED */
  /* Who decides the fate of a set nobody has asked for yet (opened in
   * advance): its thread takes it (0 -> 1) or the control thread withdraws
   * it (0 -> 2), by compare-and-swap; the loser leaves it alone. */
  uint32_t taken;
  struct iprobe_counter_set counters;
};

enum { IPROBE_SET_OFFERED = 0, IPROBE_SET_TAKEN = 1, IPROBE_SET_WITHDRAWN = 2 };

IPROBE_INLINE uint64_t iprobe_handoff_word(uint32_t tid, uint32_t generation) {
  return (uint64_t)tid << 32 | generation;
}

/* Hook side. The set the control thread has ready for tid's configuration
 * `generation`, or NULL. Valid only once that generation is published. */
const struct iprobe_thread_counters *iprobe_handoff_find(uint32_t tid, uint32_t generation) IPROBE_INTERNAL;

/* Hook side: takes that set for the calling thread; NULL if the control
 * thread withdrew it meanwhile (the thread then asks for a new one). */
const struct iprobe_thread_counters *iprobe_handoff_take(uint32_t tid, uint32_t generation) IPROBE_INTERNAL;

/* Hook side: tells the control thread what the thread in `slot` wants
 * (generation 0: nothing more, it is exiting), waking it if `wake`. The
 * wake is a futex system call: async-signal-safe, no lock. */
void iprobe_handoff_ask(uint32_t slot, uint32_t tid, uint32_t generation, int wake) IPROBE_INTERNAL;

/* Control thread: before configuration `generation` is published, makes
 * the hand-off tables and opens sets for every thread of the process. 0, or
 * -1 when the tables cannot be made. */
int iprobe_handoff_prepare(uint32_t generation) IPROBE_INTERNAL;

/* Control thread: acts on every want it has not handled, and now and then
 * closes the sets of threads that are gone. */
void iprobe_handoff_serve(void) IPROBE_INTERNAL;

/* Whether the tables exist (threads can ask from now on). */
int iprobe_handoff_active(void) IPROBE_INTERNAL;

#endif
