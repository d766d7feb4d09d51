#include "library_injector.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "process_memory.h"
#include "remote_call.h"
#include "seccomp_filter.h"
#include "syscall_restart.h"
#include "thread_frames.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Deep enough for malloc -> sysmalloc -> mmap, or a library constructor run
// by dl_open_worker; a lock holder's frame sits near the top of its stack.
constexpr size_t kFramesChecked = 64;
constexpr milliseconds kFirstRetryPause{5};
constexpr milliseconds kLongestRetryPause{100};
constexpr size_t kMaxErrorMessage = 4096;

// glibc's SIGSETXID (SIGRTMIN + 1), whose handler the first pthread_create installs.
constexpr uint64_t kGlibcSetxidSignal = 33;

// What dlopen() of the runtime and the runtime's start-up call (glibc 2.36,
// traced with strace), with the arguments they pass where filters commonly
// look at them. A filter that forbids one of these would make the load fail
// half-way or, with a kill action, end the process.
const std::vector<SyscallUse>& InjectionSyscalls() {
  static const std::vector<SyscallUse> uses = {
      {SYS_openat, "openat", {static_cast<uint64_t>(AT_FDCWD), 0, O_RDONLY | O_CLOEXEC, 0, 0, 0}},
      {SYS_openat, "openat", {static_cast<uint64_t>(AT_FDCWD), 0, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600, 0, 0}},
      {SYS_read, "read", {3, 0, 832, 0, 0, 0}},
      {SYS_newfstatat, "newfstatat", {3, 0, 0, AT_EMPTY_PATH, 0, 0}},
      {SYS_mmap, "mmap", {0, 0x4000, PROT_READ, MAP_PRIVATE | MAP_DENYWRITE, 3, 0}},
      {SYS_mmap, "mmap", {0, 0x1000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x1000}},
      {SYS_mmap, "mmap", {0, 0x100000, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0}},
      {SYS_mmap, "mmap", {0, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, static_cast<uint64_t>(-1), 0}},
      {SYS_mprotect, "mprotect", {0, 0x1000, PROT_READ, 0, 0, 0}},
      {SYS_munmap, "munmap", {0, 0x1000, 0, 0, 0, 0}},
      {SYS_close, "close", {3, 0, 0, 0, 0, 0}},
      {SYS_brk, "brk", {0, 0, 0, 0, 0, 0}},
      {SYS_futex, "futex", {0, 0x80 /* FUTEX_PRIVATE_FLAG | FUTEX_WAIT */, 2, 0, 0, 0}},
      {SYS_getpid, "getpid", {0, 0, 0, 0, 0, 0}},
      {SYS_getuid, "getuid", {0, 0, 0, 0, 0, 0}},
      {SYS_gettid, "gettid", {0, 0, 0, 0, 0, 0}},
      {SYS_ftruncate, "ftruncate", {3, 0x100000, 0, 0, 0, 0}},
      {SYS_fchmod, "fchmod", {3, 0600, 0, 0, 0, 0}},
      {SYS_unlink, "unlink", {0, 0, 0, 0, 0, 0}},
      // The runtime's control thread (FPerf), started by its constructor.
      {SYS_clone3, "clone3", {0, 88, 0, 0, 0, 0}, SYS_clone, "clone"},
      {SYS_rt_sigprocmask, "rt_sigprocmask", {SIG_SETMASK, 0, 0, 8, 0, 0}},
      {SYS_rt_sigaction, "rt_sigaction", {kGlibcSetxidSignal, 0, 0, 8, 0, 0}},
      {SYS_write, "write", {3, 0, 14, 0, 0, 0}},
      {SYS_set_robust_list, "set_robust_list", {0, 24, 0, 0, 0, 0}},
      {SYS_rseq, "rseq", {0, 32, 0, 0x53053053, 0, 0}},
  };
  return uses;
}

std::string Hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

void Pause(milliseconds duration) {
  timespec ts{static_cast<time_t>(duration.count() / 1000), static_cast<long>(duration.count() % 1000) * 1000000};
  nanosleep(&ts, nullptr);
}

uint64_t ElapsedNs(SteadyClock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - since).count());
}

// What one stopped thread's stack says about the locks dlopen() takes.
struct ThreadCheck {
  // Why it may hold a lock for long ("" when it does not): a frame inside a
  // kAnyThread range, or a stack that could not be unwound to its first
  // frame, whose unseen callers may be inside the loader as well.
  std::string loader;
  bool unwind_stopped = false;  // `loader` is the unwinder's failure
  // Why it must not be the borrowed thread ("" when it may): a frame inside
  // a kBorrowedThread range.
  std::string allocator;
};

std::string InsideReason(const TracedThread& thread, const BusyRange& range, uint64_t pc, size_t depth) {
  return "thread " + std::to_string(thread.tid) + " is inside " + range.what + " (pc " + Hex(pc) +
         (depth > 1 ? ", " + std::to_string(depth - 1) + " frames down" : "") + ")";
}

ThreadCheck CheckThread(ThreadFrames& frames, StoppedProcess& process, TracedThread& thread,
                        const std::vector<BusyRange>& busy) {
  ThreadCheck check;
  process.ReadRegisters(thread);
  const UnwoundStack stack = frames.Of(thread.tid, kFramesChecked);
  std::vector<uint64_t> pcs = stack.pcs;
  pcs.insert(pcs.begin(), ResumePc(thread.regs));
  for (size_t depth = 0; depth < pcs.size(); depth++) {
    for (const BusyRange& range : busy) {
      if (pcs[depth] < range.start || pcs[depth] >= range.end) continue;
      if (range.scope == BusyRange::Scope::kAnyThread) {
        check.loader = InsideReason(thread, range, pcs[depth], depth);
        return check;
      }
      if (check.allocator.empty()) check.allocator = InsideReason(thread, range, pcs[depth], depth);
    }
  }
  // A lock holder's frame sits near the top of its stack, so a stack cut at
  // kFramesChecked is taken as clear; one cut short by the unwinder is not:
  // the frames it could not reach may be dlopen's or malloc's.
  if (stack.end == UnwoundStack::End::kStopped) {
    check.loader = "thread " + std::to_string(thread.tid) + "'s stack could not be unwound past " +
                   Hex(pcs.back()) + " (libdwfl: " + stack.why + ")";
    check.unwind_stopped = true;
  }
  return check;
}

// Threads in the order we would rather borrow them: one stopped outside any
// system call or in one the kernel simply re-issues, before one whose
// restart depends on per-thread kernel state (see remote_call.cc, step 6);
// the main thread first among equals (it has the largest stack).
std::vector<TracedThread*> CallerCandidates(StoppedProcess& process, pid_t wanted,
                                           const std::vector<pid_t>& excluded = {}) {
  std::vector<TracedThread*> threads = process.StoppedThreads();
  threads.erase(std::remove_if(threads.begin(), threads.end(),
                               [&excluded](TracedThread* t) {
                                 return std::find(excluded.begin(), excluded.end(), t->tid) != excluded.end();
                               }),
                threads.end());
  if (wanted != 0) {
    threads.erase(std::remove_if(threads.begin(), threads.end(), [wanted](TracedThread* t) { return t->tid != wanted; }),
                  threads.end());
    return threads;
  }
  auto rank = [&process](TracedThread* t) {
    process.ReadRegisters(*t);
    int r = RestartOf(t->regs) == SyscallRestart::kRestartBlock ? 2 : 0;
    if (t->tid != process.pid()) r += 1;
    return r;
  };
  std::vector<std::pair<int, TracedThread*>> ranked;
  for (TracedThread* t : threads) ranked.emplace_back(rank(t), t);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  threads.clear();
  for (auto& entry : ranked) threads.push_back(entry.second);
  return threads;
}

// The first candidate whose seccomp filters allow what dlopen() needs and
// whose stack has room, saved and ready for calls; throws why none is.
std::unique_ptr<RemoteCaller> BorrowThread(StoppedProcess& process, ProcessMemory& memory, pid_t wanted,
                                           bool check_seccomp, uint64_t call_target,
                                           const std::vector<pid_t>& excluded = {}) {
  std::optional<TraceFailure> first_refusal;
  for (TracedThread* thread : CallerCandidates(process, wanted, excluded)) {
    try {
      if (check_seccomp) {
        std::vector<std::string> forbidden =
            ForbiddenSyscalls(process.pid(), thread->tid, InjectionSyscalls(), call_target);
        if (!forbidden.empty()) {
          std::string list;
          for (const std::string& f : forbidden) list += (list.empty() ? "" : ", ") + f;
          throw TraceFailure("seccomp-forbids", "the seccomp filter of thread " + std::to_string(thread->tid) +
                                                    " of process " + std::to_string(process.pid()) +
                                                    " forbids system calls that loading a library needs: " + list,
                             thread->tid);
        }
      }
      return std::make_unique<RemoteCaller>(process, *thread, memory);
    } catch (const TraceFailure& refusal) {
      if (refusal.code() == "exited" || refusal.code() == "registers-failed") throw;
      if (!first_refusal) first_refusal = refusal;
    }
  }
  if (first_refusal) throw *first_refusal;
  throw TraceFailure("no-thread", wanted ? "thread " + std::to_string(wanted) + " of process " +
                                               std::to_string(process.pid()) + " is not stopped or does not exist"
                                         : "no thread of process " + std::to_string(process.pid()) + " could be stopped");
}

// A dlopen() interrupted part-way: RemoteCaller puts the thread's registers
// back and it resumes the code it was stopped in, but nothing undoes what
// dlopen had done by then. It may hold the loader lock (a recursive lock
// taken at its start and held through every constructor it runs) and, if
// interrupted inside malloc, an arena lock; neither is ever released, as the
// code that would release them no longer runs.
std::string AbandonedDlopen(pid_t pid, pid_t tid, const InjectionRequest& request) {
  const std::string thread = "thread " + std::to_string(tid);
  return "dlopen(" + request.library + ") in " + thread + " of process " + std::to_string(pid) +
         " did not return within " + std::to_string(request.call_timeout.count()) + " ms and was abandoned: " +
         thread + " runs on from where it was stopped, but dlopen may have been left half-way with the loader lock "
         "(or a malloc lock) still held by " + thread +
         ", so dlopen, dlclose, dl_iterate_phdr or C++ exceptions in other threads may block for good, and the "
         "library may be partly loaded; restart the process to be sure it is sound";
}

std::string ReadCString(ProcessMemory& memory, uint64_t address) {
  std::string text;
  uint8_t chunk[64];
  while (address != 0 && text.size() < kMaxErrorMessage) {
    if (memory.Read(address, chunk, sizeof chunk) != 0) {
      // The string may end just before an unmapped page: read byte by byte.
      if (memory.Read(address, chunk, 1) != 0) break;
      if (chunk[0] == 0) break;
      text += static_cast<char>(chunk[0]);
      address++;
      continue;
    }
    for (uint8_t c : chunk) {
      if (c == 0) return text;
      text += static_cast<char>(c);
    }
    address += sizeof chunk;
  }
  return text;
}

}  // namespace

// ---------------------------------------------------------------------------
// Injecting a library: the sequence.
//
//   1. Stop every thread (StoppedProcess). Unwind each (ThreadFrames). If any
//      thread's stack has a frame in a kAnyThread range (the dynamic loader's
//      text, dl_iterate_phdr), it may hold the loader lock (_dl_load_lock,
//      _dl_load_write_lock), possibly for long (a library constructor runs
//      under it), and dlopen() would wait for it: let every thread go, wait
//      (5 ms doubling to 100 ms) and stop them again, up to `attempts` times,
//      then give up naming the thread and where it is. Threads with a frame
//      in a kBorrowedThread range (malloc, fork: they hold arena locks for
//      microseconds) are only ruled out as the thread to borrow, which
//      would otherwise wait for a lock it holds itself; when no thread is
//      left, retry the same way. A thread whose stack the unwinder could
//      not follow to its first frame (code without CFI, a JIT, a private
//      stack) counts as inside the loader: its unseen callers may be
//      dlopen's. Retried the same way; if it persists, "unwind-incomplete".
//   2. Borrow one thread: the first whose seccomp filters allow every system
//      call dlopen() and the runtime's start make, and whose stack has room.
//      Save its registers and XSAVE state (RemoteCaller).
//   3. Let every other thread go. From here the process runs on; only the
//      borrowed thread is held. A lock another thread takes after step 1 is
//      released by that thread in its own time, so dlopen() may wait but
//      cannot deadlock on a thread we keep stopped.
//   4. Copy the library path below the borrowed thread's red zone and call
//      dlopen(path, flags). On NULL, call dlerror() and read its message.
//   5. Restore the thread's XSAVE state and registers, and let it go: it
//      resumes where it was stopped, re-issuing an interrupted system call.
//
// A failure at any step restores the borrowed thread (RemoteCaller's
// destructor) and lets every thread go. A dlopen() that returns NULL leaves
// nothing behind: glibc unmaps what it mapped and dlerror() clears the error.
// A dlopen() that does not return within `call_timeout` is abandoned where
// it is ("dlopen-timeout"): the thread gets its registers back, but the
// loader lock (or a malloc lock) it may hold is never released.
// ---------------------------------------------------------------------------
InjectionReport InjectLibrary(pid_t pid, const InjectionRequest& request) {
  InjectionReport report;
  ProcessMemory memory(pid);
  std::string busy_reason;
  bool unwind_stopped = false;  // busy_reason is a stack the unwinder could not finish
  milliseconds pause = kFirstRetryPause;
  const SteadyClock::time_point first_attempt = SteadyClock::now();
  // Reading the process's objects (ELF files, unwind tables) takes
  // milliseconds: done before any thread is stopped. An object loaded after
  // this is unknown to the unwinder, which then stops at its frames: after a
  // stop with such a stack the objects are read again, while threads run.
  auto read_objects = [pid]() {
    auto frames = std::make_unique<ThreadFrames>(pid);
    if (!frames->error().empty()) {
      throw TraceFailure("unwind-incomplete", "cannot tell whether a thread of process " + std::to_string(pid) +
                                                  " holds the loader or malloc lock: " + frames->error() +
                                                  "; nothing was loaded; start the program with iprobe run instead");
    }
    return frames;
  };
  std::unique_ptr<ThreadFrames> frames = read_objects();
  for (int attempt = 1;; attempt++) {
    StoppedProcess process(pid, request.stop);
    report.attempts = attempt;
    report.threads = process.thread_count();
    busy_reason.clear();
    unwind_stopped = false;
    std::vector<pid_t> in_allocator;  // not to be borrowed
    std::string allocator_reason;
    for (TracedThread* thread : process.StoppedThreads()) {
      ThreadCheck check = CheckThread(*frames, process, *thread, request.busy);
      if (!check.loader.empty()) {
        busy_reason = check.loader;
        unwind_stopped = check.unwind_stopped;
        break;
      }
      if (check.allocator.empty()) continue;
      in_allocator.push_back(thread->tid);
      if (allocator_reason.empty()) allocator_reason = check.allocator;
    }
    if (busy_reason.empty() && in_allocator.size() == process.StoppedThreads().size()) {
      busy_reason = "every thread is inside code that holds a lock dlopen needs; " + allocator_reason;
    }
    if (!busy_reason.empty()) {
      process.Resume();
      if (attempt >= request.attempts) {
        const auto waited = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - first_attempt);
        const std::string stops =
            " at each of " + std::to_string(attempt) + " stops over " + std::to_string(waited.count()) + " ms";
        if (unwind_stopped) {
          throw TraceFailure("unwind-incomplete",
                             busy_reason + stops +
                                 ": it may hold the loader or malloc lock, so nothing was loaded; try again, or start "
                                 "the program with iprobe run");
        }
        throw TraceFailure("loader-busy", busy_reason + stops + "; it may hold a lock that dlopen needs, so nothing was loaded");
      }
      Pause(pause);
      pause = std::min(pause * 2, kLongestRetryPause);
      if (unwind_stopped) frames = read_objects();
      continue;
    }

    std::unique_ptr<RemoteCaller> caller = BorrowThread(process, memory, 0, true, request.dlopen, in_allocator);
    TracedThread& borrowed = *process.Find(caller->tid());
    report.tid = borrowed.tid;
    process.ReleaseAllBut(borrowed);
    report.stop_window_ns = process.stop_window_so_far_ns();
    const SteadyClock::time_point call_start = SteadyClock::now();

    std::vector<uint8_t> path(request.library.begin(), request.library.end());
    path.push_back(0);
    const uint64_t path_address = caller->PushData(path);
    try {
      report.handle = caller->Call(request.dlopen, {path_address, static_cast<uint64_t>(request.dlopen_flags)},
                                   request.call_timeout);
    } catch (const TraceFailure& failure) {
      if (failure.code() != "remote-call-timeout") throw;
      throw TraceFailure("dlopen-timeout", AbandonedDlopen(pid, borrowed.tid, request), borrowed.tid);
    }
    std::string error;
    if (report.handle == 0) {
      const uint64_t message = request.dlerror ? caller->Call(request.dlerror, {}, request.call_timeout) : 0;
      error = message ? ReadCString(memory, message) : "dlopen returned NULL without an error message";
    }
    caller->Restore();
    process.Resume();
    report.call_ns = ElapsedNs(call_start);
    if (report.handle == 0) throw TraceFailure("dlopen-failed", error, borrowed.tid);
    return report;
  }
}

RemoteCallReport CallInProcess(pid_t pid, const RemoteCallRequest& request) {
  ProcessMemory memory(pid);
  StoppedProcess process(pid, request.stop);
  std::unique_ptr<RemoteCaller> caller = BorrowThread(process, memory, request.tid, false, request.function);
  RemoteCallReport report;
  report.tid = caller->tid();
  process.ReleaseAllBut(*process.Find(report.tid));
  std::vector<uint64_t> args = request.args;
  if (request.data_arg >= 0) {
    if (static_cast<size_t>(request.data_arg) >= args.size()) args.resize(request.data_arg + 1);
    args[request.data_arg] = caller->PushData(request.data);
  }
  report.value = caller->Call(request.function, args, request.timeout);
  caller->Restore();
  process.Resume();
  return report;
}

}  // namespace iprobe
