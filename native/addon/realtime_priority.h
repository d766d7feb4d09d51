// Raises the calling thread to the lowest real-time priority for a scope.
//
// During a stop window the tracer competes for the CPU with the target's
// busy threads. At ordinary priority, on a loaded machine, it waits a whole
// time slice (milliseconds) each time it wakes from a poll for stops, and is
// preempted by the first thread it resumes while the others stay stopped.
// At SCHED_FIFO 1 it runs as soon as it wakes; it never spins (it sleeps
// between polls), so the threads that must run to reach their stop still
// get the CPU. Without CAP_SYS_NICE the priority stays as it is: slower
// stop windows, same correctness.
#pragma once
#include <sched.h>

namespace iprobe {

class RealtimePriority {
 public:
  RealtimePriority();
  ~RealtimePriority();
  RealtimePriority(const RealtimePriority&) = delete;
  RealtimePriority& operator=(const RealtimePriority&) = delete;

 private:
  bool raised_ = false;
  int old_policy_ = SCHED_OTHER;
  sched_param old_param_{};
};

}  // namespace iprobe
