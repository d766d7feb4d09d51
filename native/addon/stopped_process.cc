#include "stopped_process.h"

#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "proc_task.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

using std::chrono::milliseconds;
using State = TracedThread::State;

// Threads that outlived the operation that traced them; see DetachLeftoverThreads().
std::vector<pid_t> g_leftover_threads;

pid_t CurrentTid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

std::string ErrnoText(int err) { return std::strerror(err); }

// Waiting for ptrace stops with waitpid(WNOHANG) lets us keep a deadline
// without a signal handler of our own. Between polls the tracer sleeps
// rather than yields: a thread that has been asked to stop only stops once it
// gets a CPU, and on a busy machine ours may be the one it needs.
class PollBackoff {
 public:
  void Reset() { round_ = 0; }
  void Pause() {
    const int shift = std::min(round_, kMaxShift);
    timespec ts{0, kFirstSleepNs << shift};
    nanosleep(&ts, nullptr);
    round_++;
  }
  bool long_wait() const { return round_ >= kMaxShift; }

 private:
  static constexpr long kFirstSleepNs = 2'000;  // doubles up to ~0.25 ms
  static constexpr int kMaxShift = 7;
  int round_ = 0;
};

}  // namespace

StoppedProcess::StoppedProcess(pid_t pid, const StopOptions& options) : pid_(pid), options_(options) {
  try {
    SeizeNewThreads();
    if (threads_.empty()) {
      char leader = TaskState(pid_, pid_);
      if (leader == 'Z') throw TraceFailure("zombie", "process " + std::to_string(pid_) + " is a zombie");
      throw TraceFailure("no-such-process", "no process " + std::to_string(pid_), pid_, ESRCH);
    }
    const SteadyClock::time_point deadline = SteadyClock::now() + options_.stop_timeout;
    realtime_ = std::make_unique<RealtimePriority>();
    InterruptSeized();
    AwaitStops(deadline);
    // Threads created before their creator stopped are not in the first scan.
    // Once every known thread is stopped, nobody can create more, so the
    // loop ends when a scan after the stops finds nothing new.
    while (RescanFindsNewThreads()) {
      InterruptSeized();
      AwaitStops(deadline);
    }
    stopped_at_start_ = StoppedThreads().size();
    if (stopped_at_start_ == 0) {
      throw TraceFailure("exited", "process " + std::to_string(pid_) + " exited while it was being stopped");
    }
  } catch (...) {
    Resume();
    throw;
  }
}

StoppedProcess::~StoppedProcess() { Resume(); }

void StoppedProcess::SeizeNewThreads() {
  for (;;) {
    std::vector<pid_t> tids;
    if (!ListTasks(pid_, &tids)) return;  // the process is gone; callers see no thread
    bool found_new = false;
    for (pid_t tid : tids) {
      if (threads_.count(tid)) continue;
      // No options yet: PTRACE_O_TRACECLONE would stop a thread at its next
      // clone() before we asked for any stop. It is set once a thread is stopped.
      if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) == 0) {
        threads_[tid].tid = tid;
        to_interrupt_.push_back(tid);
        found_new = true;
        continue;
      }
      const int err = errno;
      if (err == ESRCH) continue;  // exited since the scan
      if (err == EPERM && TaskIsDead(pid_, tid)) continue;  // a zombie thread runs no code
      if (err == EPERM && TaskTracer(pid_, tid) == CurrentTid()) {
        // Created by a thread we follow with PTRACE_O_TRACECLONE: already
        // ours, and it starts with a stop of its own.
        threads_[tid].tid = tid;
        found_new = true;
        continue;
      }
      throw TraceFailure(err == EPERM ? "attach-denied" : "attach-failed",
                         "cannot attach to thread " + std::to_string(tid) + " of process " + std::to_string(pid_) +
                             ": " + ErrnoText(err),
                         tid, err);
    }
    if (!found_new) return;
  }
}

void StoppedProcess::InterruptSeized() {
  for (pid_t tid : to_interrupt_) {
    if (!stop_requested_) {
      stop_requested_ = true;
      first_stop_request_ = SteadyClock::now();
    }
    // ESRCH: the thread is exiting; its exit is reported to us like a stop.
    ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  }
  to_interrupt_.clear();
}

void StoppedProcess::Dispatch(pid_t tid, int status) {
  TracedThread& thread = threads_[tid];  // unknown tid: a clone child reporting before its parent's event
  thread.tid = tid;
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    thread.state = State::kExited;
    thread.reaped = true;
    return;
  }
  if (!WIFSTOPPED(status)) return;
  thread.state = State::kStopped;
  const int event = status >> 16;
  if (event == PTRACE_EVENT_CLONE) {
    unsigned long child = 0;
    if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0 && !threads_.count(static_cast<pid_t>(child))) {
      threads_[static_cast<pid_t>(child)].tid = static_cast<pid_t>(child);
    }
  } else if (event == 0) {
    // A signal-delivery stop: the signal is ours to deliver or drop. Keep it.
    thread.intercepted_signals.push_back(WSTOPSIG(status));
  }
  // PTRACE_EVENT_STOP: our interrupt, or a group stop (SIGSTOP), which the
  // kernel re-establishes on detach: either way nothing to remember.
}

void StoppedProcess::AwaitStops(SteadyClock::time_point deadline) {
  PollBackoff backoff;
  int polls_since_scan = 0;
  auto any_running = [this] {
    return std::any_of(threads_.begin(), threads_.end(),
                       [](const auto& entry) { return entry.second.state == State::kRunning; });
  };
  while (any_running()) {
    int status = 0;
    const pid_t reported = waitpid(-1, &status, __WALL | __WNOTHREAD | WNOHANG);
    if (reported > 0) {
      Dispatch(reported, status);
      backoff.Reset();
      continue;
    }
    if (reported < 0 && errno == EINTR) continue;
    if (reported < 0) {  // ECHILD: none of our tracees is left
      for (auto& entry : threads_) {
        if (entry.second.state == State::kRunning) entry.second.state = State::kExited;
      }
      return;
    }
    CheckAbort();
    // A thread group leader that exits before the other threads is never
    // reported until they exit too: look at /proc for such zombies.
    if (backoff.long_wait() && ++polls_since_scan % 16 == 0) MarkVanishedThreads();
    if (SteadyClock::now() > deadline) {
      MarkVanishedThreads();
      if (!any_running()) return;
      ThrowStopTimeout();
    }
    backoff.Pause();
  }
}

void StoppedProcess::MarkVanishedThreads() {
  for (auto& entry : threads_) {
    TracedThread& thread = entry.second;
    if (thread.state == State::kRunning && TaskIsDead(pid_, thread.tid)) thread.state = State::kExited;
  }
}

bool StoppedProcess::RescanFindsNewThreads() {
  const size_t known = threads_.size();
  SeizeNewThreads();
  return threads_.size() != known;
}

void StoppedProcess::CheckAbort() const {
  if (options_.abort_requested && options_.abort_requested->load(std::memory_order_relaxed)) {
    throw TraceFailure("interrupted", "interrupted while stopping process " + std::to_string(pid_) +
                                          "; nothing was written");
  }
}

void StoppedProcess::ThrowStopTimeout() {
  for (const auto& entry : threads_) {
    const TracedThread& thread = entry.second;
    if (thread.state != State::kRunning) continue;
    std::string why = "state ";
    why += TaskState(pid_, thread.tid);
    std::string wchan = TaskWaitChannel(pid_, thread.tid);
    if (!wchan.empty()) why += ", waiting in " + wchan;
    throw TraceFailure("stop-timeout",
                       "thread " + std::to_string(thread.tid) + " of process " + std::to_string(pid_) +
                           " did not stop within " + std::to_string(options_.stop_timeout.count()) + " ms (" + why +
                           ")",
                       thread.tid);
  }
  throw TraceFailure("stop-timeout", "process " + std::to_string(pid_) + " did not stop in time");
}

std::vector<TracedThread*> StoppedProcess::StoppedThreads() {
  std::vector<TracedThread*> stopped;
  for (auto& entry : threads_) {
    if (entry.second.state == State::kStopped) stopped.push_back(&entry.second);
  }
  return stopped;
}

TracedThread* StoppedProcess::Find(pid_t tid) {
  auto it = threads_.find(tid);
  return it == threads_.end() ? nullptr : &it->second;
}

void StoppedProcess::ReadRegisters(TracedThread& thread) {
  if (ptrace(PTRACE_GETREGS, thread.tid, nullptr, &thread.regs) != 0) {
    const int err = errno;
    ThrowIfKilled(thread, err);
    throw TraceFailure("registers-failed", "cannot read the registers of thread " + std::to_string(thread.tid) + ": " +
                                               ErrnoText(err),
                       thread.tid, err);
  }
}

// A stopped thread answers ESRCH only once SIGKILL (or the exit of another
// thread, exit_group) has taken it: the process is going away.
void StoppedProcess::ThrowIfKilled(TracedThread& thread, int err) {
  if (err != ESRCH) return;
  thread.state = State::kExited;
  throw TraceFailure("exited", "process " + std::to_string(pid_) + " exited during the operation", thread.tid, err);
}

void StoppedProcess::WriteRegisters(TracedThread& thread, const user_regs_struct& regs) {
  if (ptrace(PTRACE_SETREGS, thread.tid, nullptr, &regs) != 0) {
    const int err = errno;
    ThrowIfKilled(thread, err);
    throw TraceFailure("registers-failed", "cannot write the registers of thread " + std::to_string(thread.tid) +
                                               ": " + ErrnoText(err),
                       thread.tid, err);
  }
  thread.regs = regs;
}

// While a thread runs and the others stay stopped, a clone() must not
// produce a thread we do not hold: have the kernel attach and stop new
// threads at birth.
void StoppedProcess::FollowClones(TracedThread& thread) {
  if (!thread.follows_clones) {
    if (ptrace(PTRACE_SETOPTIONS, thread.tid, nullptr, PTRACE_O_TRACECLONE) == 0) thread.follows_clones = true;
  }
}

ResumeOutcome StoppedProcess::ContinueUntilStop(TracedThread& thread, int signal, milliseconds timeout) {
  FollowClones(thread);
  ResumeOutcome outcome;
  if (ptrace(PTRACE_CONT, thread.tid, nullptr, signal) != 0) {
    outcome.kind = ResumeOutcome::Kind::kExited;  // ESRCH: killed while stopped
    return outcome;
  }
  thread.state = State::kRunning;
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  PollBackoff backoff;
  bool interrupted = false;
  for (;;) {
    int status = 0;
    const pid_t reported = waitpid(thread.tid, &status, __WALL | WNOHANG);
    if (reported < 0 && errno == EINTR) continue;
    if (reported < 0) {
      thread.state = State::kExited;
      thread.reaped = true;
      outcome.kind = ResumeOutcome::Kind::kExited;
      break;
    }
    if (reported == 0) {
      if (!interrupted && SteadyClock::now() > deadline) {
        ptrace(PTRACE_INTERRUPT, thread.tid, nullptr, nullptr);
        interrupted = true;
      }
      backoff.Pause();
      continue;
    }
    backoff.Reset();
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      thread.state = State::kExited;
      thread.reaped = true;
      outcome.kind = ResumeOutcome::Kind::kExited;
      break;
    }
    const int event = status >> 16;
    if (event == PTRACE_EVENT_CLONE) {
      Dispatch(thread.tid, status);
      ptrace(PTRACE_CONT, thread.tid, nullptr, 0);
      continue;
    }
    thread.state = State::kStopped;
    if (interrupted) {
      if (event == 0) thread.intercepted_signals.push_back(WSTOPSIG(status));
      outcome.kind = ResumeOutcome::Kind::kTimedOut;
      break;
    }
    outcome.kind = ResumeOutcome::Kind::kStopped;
    outcome.event = event;
    if (event == 0) {
      outcome.signal = WSTOPSIG(status);
      siginfo_t info{};
      if (ptrace(PTRACE_GETSIGINFO, thread.tid, nullptr, &info) == 0) {
        outcome.si_code = info.si_code;
        outcome.fault_address = reinterpret_cast<uint64_t>(info.si_addr);
      }
    }
    break;
  }
  // Threads born meanwhile start stopped; wait for those stops too.
  AwaitStops(SteadyClock::now() + options_.stop_timeout);
  return outcome;
}

// Resume and re-stop, never single-step. A tracer that dies is detached by
// the kernel, which leaves a thread's trap flag as it finds it: a thread
// being single-stepped when the tool is SIGKILLed would take a SIGTRAP
// after its next instruction and, with the default action, kill the
// process. PTRACE_CONT and PTRACE_INTERRUPT leave the flags alone, so a
// tracer killed at any point here leaves a thread that simply runs on.
//
// An interrupt that arrives before the resumed thread has returned to user
// mode stops it where it was, having run nothing; on a busy machine a woken
// thread may wait milliseconds for a CPU. So the interrupt is sent once the
// thread has been on a CPU for `run_for` (WaitForCpuTime), not after a
// fixed sleep. The caller looks at the pc again and asks for a longer run
// next time.
bool StoppedProcess::RunBriefly(TracedThread& thread, std::chrono::nanoseconds run_for) {
  FollowClones(thread);
  const long long cpu_before = TaskCpuTimeNs(pid_, thread.tid);
  if (ptrace(PTRACE_CONT, thread.tid, nullptr, 0) != 0) {
    thread.state = State::kExited;  // ESRCH from a ptrace stop: SIGKILL or exit_group took it
    return false;
  }
  thread.state = State::kRunning;
  WaitForCpuTime(thread.tid, cpu_before, run_for);
  // ESRCH: the thread is exiting; its exit is reported to us like a stop.
  ptrace(PTRACE_INTERRUPT, thread.tid, nullptr, nullptr);
  // As in the first stop: exits, signal-delivery stops (the signal is kept
  // for Resume), clone events and the births they announce, the deadline and
  // SIGINT/SIGTERM. A signal-delivery stop may come before the interrupt's
  // own stop; the interrupt then stays pending and is taken, without any
  // instruction run, on the next PTRACE_CONT, and cleared by the detach.
  AwaitStops(SteadyClock::now() + options_.stop_timeout);
  return thread.state == State::kStopped;
}

// Returns once the thread has run `run_for` on a CPU since it was resumed,
// or is no longer runnable (blocked in a system call, stopped by a signal,
// exited), or kRunWallLimit has passed without that (no CPU for it). Where
// schedstat is missing, `run_for` of wall time stands in for CPU time.
void StoppedProcess::WaitForCpuTime(pid_t tid, long long cpu_before, std::chrono::nanoseconds run_for) {
  constexpr milliseconds kRunWallLimit{100};
  const SteadyClock::time_point resumed = SteadyClock::now();
  PollBackoff backoff;
  for (;;) {
    backoff.Pause();
    const SteadyClock::time_point now = SteadyClock::now();
    if (now - resumed > kRunWallLimit) return;
    const long long cpu = cpu_before < 0 ? -1 : TaskCpuTimeNs(pid_, tid);
    if (cpu < 0) {
      if (now - resumed >= run_for) return;
      continue;
    }
    if (cpu - cpu_before >= run_for.count()) return;
    if (TaskState(pid_, tid) != 'R') return;
  }
}

void StoppedProcess::Resume() noexcept {
  if (resumed_) return;
  resumed_ = true;
  for (auto& entry : threads_) Detach(entry.second);
  last_resume_ = SteadyClock::now();
  realtime_.reset();
  DetachLeftoverThreads();
}

void StoppedProcess::Detach(TracedThread& thread) noexcept {
  if (thread.state == State::kStopped) {
    int deliver = 0;
    if (!thread.intercepted_signals.empty()) {
      deliver = thread.intercepted_signals.front();
      // Only one signal rides on the detach; queue the others again first.
      for (size_t i = 1; i < thread.intercepted_signals.size(); i++) {
        syscall(SYS_tgkill, pid_, thread.tid, thread.intercepted_signals[i]);
      }
    }
    if (ptrace(PTRACE_DETACH, thread.tid, nullptr, deliver) != 0) g_leftover_threads.push_back(thread.tid);
  } else if (thread.state == State::kRunning || !thread.reaped) {
    // Still on its way to a stop (or a zombie we must reap): detached later.
    g_leftover_threads.push_back(thread.tid);
  }
}

void StoppedProcess::ReleaseAllBut(const TracedThread& keep) noexcept {
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->first == keep.tid) {
      ++it;
      continue;
    }
    Detach(it->second);
    it = threads_.erase(it);
  }
  DetachLeftoverThreads();
}

uint64_t StoppedProcess::stop_window_ns() const {
  if (!stop_requested_ || !resumed_) return 0;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(last_resume_ - first_stop_request_).count());
}

uint64_t StoppedProcess::stop_window_so_far_ns() const {
  if (!stop_requested_) return 0;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - first_stop_request_).count());
}

bool DetachLeftoverThreads() {
  auto let_go = [](pid_t tid) {
    int status = 0;
    const pid_t reported = waitpid(tid, &status, __WALL | WNOHANG);
    if (reported < 0) return true;   // not ours any more
    if (reported == 0) return false;  // not stopped yet
    if (WIFSTOPPED(status)) {
      const int deliver = (status >> 16) == 0 ? WSTOPSIG(status) : 0;
      // On failure it was killed meanwhile: its exit is reported next.
      return ptrace(PTRACE_DETACH, tid, nullptr, deliver) == 0;
    }
    return true;  // exited and now reaped
  };
  g_leftover_threads.erase(std::remove_if(g_leftover_threads.begin(), g_leftover_threads.end(), let_go),
                           g_leftover_threads.end());
  return !g_leftover_threads.empty();
}

}  // namespace iprobe
