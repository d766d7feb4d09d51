// Stops every thread of a live process under ptrace and lets them go again.
// All calls must come from the one thread that created the object (the
// kernel accepts ptrace requests only from the attaching thread): in the
// addon that is the tracer thread (tracer_thread.h).
#pragma once
#include <sys/types.h>
#include <sys/user.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "realtime_priority.h"

namespace iprobe {

using SteadyClock = std::chrono::steady_clock;

struct TracedThread {
  enum class State { kRunning, kStopped, kExited };
  pid_t tid = 0;
  State state = State::kRunning;
  bool reaped = false;          // its exit was collected with waitpid
  bool follows_clones = false;  // PTRACE_O_TRACECLONE is set
  // Signals the thread was about to receive when it stopped (signal-delivery
  // stops) or while it ran briefly to leave a site: delivered again on resume.
  std::vector<int> intercepted_signals;
  user_regs_struct regs{};
};

struct StopOptions {
  std::chrono::milliseconds stop_timeout{2000};
  // Set from another thread (SIGINT/SIGTERM in Node): give up while nothing is written yet.
  const std::atomic<bool>* abort_requested = nullptr;
};

// How a thread resumed with PTRACE_CONT stopped again.
struct ResumeOutcome {
  enum class Kind { kStopped, kExited, kTimedOut } kind = Kind::kStopped;
  int signal = 0;       // WSTOPSIG for a signal-delivery stop (0 for event stops)
  int event = 0;        // PTRACE_EVENT_* for event stops
  int si_code = 0;      // from PTRACE_GETSIGINFO, for signal-delivery stops
  uint64_t fault_address = 0;
};

class StoppedProcess {
 public:
  // Attaches to and stops every thread of `pid`, threads created meanwhile
  // included, or throws TraceFailure with every thread already let go.
  StoppedProcess(pid_t pid, const StopOptions& options);
  ~StoppedProcess();
  StoppedProcess(const StoppedProcess&) = delete;
  StoppedProcess& operator=(const StoppedProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::vector<TracedThread*> StoppedThreads();
  TracedThread* Find(pid_t tid);

  // Refreshes thread.regs.
  void ReadRegisters(TracedThread& thread);
  void WriteRegisters(TracedThread& thread, const user_regs_struct& regs);

  // Lets `thread` alone run for about `run_for` and stops it again
  // (PTRACE_CONT, PTRACE_INTERRUPT), the other threads staying stopped: how a
  // thread leaves a place where it must not stand during a write, without
  // the trap flag. Signals it was about to receive are held back and
  // re-delivered on Resume; threads it creates meanwhile are born stopped.
  // Returns false if the thread exited. Throws TraceFailure ("stop-timeout",
  // "interrupted") like the first stop.
  bool RunBriefly(TracedThread& thread, std::chrono::nanoseconds run_for);

  // Lets `thread` run (with `signal`, 0 for none) until its next stop or
  // exit, at most `timeout`; on timeout the thread is interrupted again.
  ResumeOutcome ContinueUntilStop(TracedThread& thread, int signal, std::chrono::milliseconds timeout);

  // Detaches from every thread but `keep`, re-delivering intercepted
  // signals: they run on while `keep` stays stopped and ours.
  void ReleaseAllBut(const TracedThread& keep) noexcept;

  // Detaches from every thread, re-delivering intercepted signals. Idempotent.
  void Resume() noexcept;

  size_t thread_count() const { return stopped_at_start_; }
  // First stop request → last thread resumed (0 before Resume()).
  uint64_t stop_window_ns() const;
  // First stop request → now.
  uint64_t stop_window_so_far_ns() const;

 private:
  void SeizeNewThreads();
  void InterruptSeized();
  void AwaitStops(SteadyClock::time_point deadline);
  void Dispatch(pid_t tid, int status);
  void FollowClones(TracedThread& thread);
  void WaitForCpuTime(pid_t tid, long long cpu_before, std::chrono::nanoseconds run_for);
  bool RescanFindsNewThreads();
  void MarkVanishedThreads();
  void CheckAbort() const;
  void Detach(TracedThread& thread) noexcept;
  void ThrowIfKilled(TracedThread& thread, int err);
  [[noreturn]] void ThrowStopTimeout();

  pid_t pid_;
  StopOptions options_;
  std::map<pid_t, TracedThread> threads_;
  std::vector<pid_t> to_interrupt_;
  size_t stopped_at_start_ = 0;
  bool resumed_ = false;
  bool stop_requested_ = false;
  SteadyClock::time_point first_stop_request_{};
  SteadyClock::time_point last_resume_{};
  // Held from the first stop request until the last thread is resumed.
  std::unique_ptr<RealtimePriority> realtime_;
};

// Threads that could not be detached when an operation ended (still running
// towards a stop, or zombies we must reap): the tracer thread calls this
// between jobs until the list is empty. Returns true while some remain.
bool DetachLeftoverThreads();

}  // namespace iprobe
