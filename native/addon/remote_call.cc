#include "remote_call.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "syscall_restart.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// The System V x86-64 ABI lets a function use the 128 bytes below %rsp
// without moving %rsp (leaf functions keep locals there): a thread stopped
// anywhere may have live data in them, so nothing of ours goes there.
constexpr uint64_t kRedZone = 128;
constexpr uint64_t kStackAlignment = 16;
constexpr uint64_t kEflagsTrap = 1u << 8;       // TF: single-step after each instruction
constexpr uint64_t kEflagsDirection = 1u << 10;  // DF: the ABI requires it clear at every call
// x87 control word and MXCSR as after FNINIT / at process start: all
// exceptions masked, round to nearest, 64-bit x87 precision.
constexpr uint16_t kDefaultX87Control = 0x037f;
constexpr uint32_t kDefaultMxcsr = 0x1f80;
// Big enough for every XSAVE layout of current CPUs (AVX-512 + AMX tiles: ~11 KiB).
constexpr size_t kMaxXstateSize = 16 * 1024;

std::string Hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string Tid(const TracedThread& thread) { return std::to_string(thread.tid); }

struct Mapping {
  uint64_t start = 0, end = 0;
  std::string name;
};

// The mappings of the process, lowest first (a few hundred lines at most).
std::vector<Mapping> ReadMappings(pid_t pid) {
  std::vector<Mapping> mappings;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    Mapping m;
    unsigned long long start = 0, end = 0;
    int name_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %*s %*s %*s %*s %n", &start, &end, &name_at) < 2) continue;
    m.start = start;
    m.end = end;
    if (name_at > 0 && static_cast<size_t>(name_at) <= line.size()) m.name = line.substr(name_at);
    mappings.push_back(m);
  }
  return mappings;
}

// The trap page must be unmapped (a process may map page 0 with
// CAP_SYS_RAWIO), and the stack under the red zone must have room for the
// call: a thread stack has a guard page below it, and a call that overran
// it would crash the target. The main thread's [stack] grows on demand.
void CheckStackAndTrap(pid_t pid, const TracedThread& thread, uint64_t sp) {
  std::vector<Mapping> mappings = ReadMappings(pid);
  if (!mappings.empty() && mappings.front().start <= kReturnTrapAddress) {
    throw TraceFailure("remote-call-unsupported", "process " + std::to_string(pid) +
                                                      " has memory mapped at address 0, where iprobe's remote calls "
                                                      "return to");
  }
  for (const Mapping& m : mappings) {
    if (sp <= m.start || sp > m.end) continue;
    if (m.name == "[stack]" || sp - m.start >= kMinimumStackRoom) return;
    throw TraceFailure("stack-too-small", "thread " + Tid(thread) + " has only " + std::to_string(sp - m.start) +
                                              " bytes of stack left below " + Hex(sp),
                       thread.tid);
  }
  throw TraceFailure("stack-too-small", "the stack pointer " + Hex(sp) + " of thread " + Tid(thread) +
                                            " is not inside any mapping",
                     thread.tid);
}

bool IsFaultSignal(int signal) {
  return signal == SIGSEGV || signal == SIGBUS || signal == SIGILL || signal == SIGFPE || signal == SIGTRAP;
}

}  // namespace

RemoteCaller::RemoteCaller(StoppedProcess& process, TracedThread& thread, ProcessMemory& memory)
    : process_(process), thread_(thread), memory_(memory) {
  process_.ReadRegisters(thread_);
  saved_regs_ = thread_.regs;
  saved_xstate_.resize(kMaxXstateSize);
  iovec iov{saved_xstate_.data(), saved_xstate_.size()};
  xstate_note_ = NT_X86_XSTATE;
  if (ptrace(PTRACE_GETREGSET, thread_.tid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) != 0) {
    // No XSAVE (very old CPUs, or hidden by a hypervisor): FXSAVE covers x87 and SSE.
    iov = {saved_xstate_.data(), sizeof(user_fpregs_struct)};
    xstate_note_ = NT_PRFPREG;
    if (ptrace(PTRACE_GETREGSET, thread_.tid, reinterpret_cast<void*>(NT_PRFPREG), &iov) != 0) {
      const int err = errno;
      throw TraceFailure("registers-failed",
                         "cannot read the FPU/SSE state of thread " + Tid(thread_) + ": " + std::strerror(err),
                         thread_.tid, err);
    }
  }
  saved_xstate_.resize(iov.iov_len);
  data_top_ = saved_regs_.rsp - kRedZone;
  CheckStackAndTrap(process_.pid(), thread_, data_top_);
}

RemoteCaller::~RemoteCaller() {
  try {
    Restore();
  } catch (...) {
    // The thread is gone, or the process is: nothing left to restore.
  }
}

uint64_t RemoteCaller::PushData(const std::vector<uint8_t>& bytes) {
  data_top_ = (data_top_ - bytes.size()) & ~(kStackAlignment - 1);
  if (int err = memory_.Write(data_top_, bytes.data(), bytes.size())) {
    throw TraceFailure("remote-call-failed", "cannot write to the stack of thread " + Tid(thread_) + " at " +
                                                 Hex(data_top_) + ": " + std::strerror(err),
                       thread_.tid, err);
  }
  return data_top_;
}

// ---------------------------------------------------------------------------
// One remote call: what the thread's stack and registers hold.
//
//   saved rsp ->  | the interrupted code's frame        |   untouched
//                 | red zone, 128 bytes                  |   untouched (leaf data may live here)
//                 | PushData() bytes (e.g. a path)       |   16-byte aligned blocks
//                 | padding to a 16-byte boundary        |
//   call rsp  ->  | kReturnTrapAddress                   |   the "return address" of the call
//
//   rip = function, rdi rsi rdx rcx r8 r9 = arguments, rax = 0 (no vector
//   arguments, for variadic callees), orig_rax = -1, DF and TF clear;
//   x87/SSE: control words as at process start, x87 stack empty, which is
//   what the ABI promises a callee (the interrupted code may have been in
//   the middle of x87 or AVX work).
//
// Order:
//   1. Save every register (PTRACE_GETREGS) and the whole XSAVE area
//      (PTRACE_GETREGSET NT_X86_XSTATE: x87, SSE, AVX and later state).
//   2. Write the trap address at call rsp, which is 8 modulo 16: at a
//      function's first instruction the ABI has rsp + 8 16-byte aligned, as
//      if a `call` had just pushed its return address. Functions that keep
//      SSE data on the stack (movaps) crash when this is wrong.
//   3. orig_rax = -1. If the thread was stopped inside a system call the
//      kernel would otherwise, on PTRACE_CONT, see a "restart" code in rax
//      and move our rip back by 2 onto whatever precedes `function`. With
//      orig_rax = -1 it starts the function as given.
//   4. PTRACE_CONT. Signals that arrive meanwhile (signal-delivery stops) are
//      held and delivered when the thread is finally let go; a fault inside
//      the function fails the call.
//   5. The function's `ret` jumps to kReturnTrapAddress: the instruction
//      fetch faults, and the SIGSEGV stops the thread before any handler
//      runs. It is ours when rip is the trap address and rsp is call rsp + 8
//      (a stray jump to a null pointer would have another rsp). %rax is the
//      result; the SIGSEGV is discarded.
//   6. Restore(): the XSAVE area, then every register, orig_rax and the
//      kernel's "restart" code in rax included. When the thread is let go
//      from this stop without a signal, the kernel's signal-return path
//      (arch_do_signal_or_restart) sees orig_rax >= 0 and -ERESTARTSYS (or a
//      sibling) in rax and re-issues the interrupted system call at rip - 2,
//      exactly as it would have without us; -ERESTART_RESTARTBLOCK resumes
//      through restart_syscall() from the thread's restart_block, which the
//      call does not touch unless one of its own system calls was interrupted
//      by a signal in the same way (callers prefer threads not in that state).
// ---------------------------------------------------------------------------
uint64_t RemoteCaller::Call(uint64_t function, const std::vector<uint64_t>& args, milliseconds timeout) {
  if (restored_) throw TraceFailure("remote-call-failed", "remote call after the thread was restored");
  if (args.size() > 6) throw TraceFailure("remote-call-failed", "at most six arguments are passed in registers");
  const uint64_t call_sp = (data_top_ & ~(kStackAlignment - 1)) - 8;
  const uint64_t trap = kReturnTrapAddress;
  if (int err = memory_.Write(call_sp, reinterpret_cast<const uint8_t*>(&trap), sizeof trap)) {
    throw TraceFailure("remote-call-failed", "cannot write the return address onto the stack of thread " +
                                                 Tid(thread_) + ": " + std::strerror(err),
                       thread_.tid, err);
  }

  user_regs_struct regs = saved_regs_;
  unsigned long long* const argument_registers[] = {&regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx, &regs.r8, &regs.r9};
  size_t i = 0;
  for (uint64_t arg : args) *argument_registers[i++] = arg;
  regs.rip = function;
  regs.rsp = call_sp;
  regs.rax = 0;
  regs.orig_rax = static_cast<unsigned long long>(-1);
  regs.eflags &= ~(kEflagsDirection | kEflagsTrap);

  user_fpregs_struct clean{};
  clean.cwd = kDefaultX87Control;
  clean.mxcsr = kDefaultMxcsr;
  if (ptrace(PTRACE_SETFPREGS, thread_.tid, nullptr, &clean) != 0) {
    const int err = errno;
    throw TraceFailure("registers-failed", "cannot set the FPU state of thread " + Tid(thread_) + ": " +
                                               std::strerror(err),
                       thread_.tid, err);
  }
  process_.WriteRegisters(thread_, regs);

  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    ResumeOutcome outcome = process_.ContinueUntilStop(thread_, 0, std::max(left, milliseconds(1)));
    if (outcome.kind == ResumeOutcome::Kind::kExited) {
      throw TraceFailure("exited", "process " + std::to_string(process_.pid()) + " exited during a remote call",
                         thread_.tid);
    }
    if (outcome.kind == ResumeOutcome::Kind::kTimedOut) {
      // The thread is stopped (interrupted) inside the function. Restore()
      // gives it its registers back, but not what the function did so far:
      // a lock it took stays taken.
      throw TraceFailure("remote-call-timeout", "the call to " + Hex(function) + " in thread " + Tid(thread_) +
                                                    " did not return within " + std::to_string(timeout.count()) +
                                                    " ms and was abandoned; whatever it had done by then (a lock "
                                                    "taken, memory changed) stays",
                         thread_.tid);
    }
    if (outcome.event != 0) continue;  // a group stop (SIGSTOP): finish the call first
    process_.ReadRegisters(thread_);
    if (outcome.signal == SIGSEGV && thread_.regs.rip == kReturnTrapAddress && thread_.regs.rsp == call_sp + 8) {
      return thread_.regs.rax;
    }
    if (IsFaultSignal(outcome.signal) && outcome.si_code > 0) {
      throw TraceFailure("remote-call-fault", "the call to " + Hex(function) + " in thread " + Tid(thread_) +
                                                  " faulted: signal " + std::to_string(outcome.signal) + " at pc " +
                                                  Hex(thread_.regs.rip) + " (address " +
                                                  Hex(outcome.fault_address) + ")",
                         thread_.tid);
    }
    // Sent by someone (kill, timer, SIGCHLD): the process gets it once the thread is let go.
    thread_.intercepted_signals.push_back(outcome.signal);
  }
}

void RemoteCaller::Restore() {
  if (restored_) return;
  restored_ = true;
  if (thread_.state != TracedThread::State::kStopped) return;  // gone with the process
  iovec iov{saved_xstate_.data(), saved_xstate_.size()};
  if (ptrace(PTRACE_SETREGSET, thread_.tid, reinterpret_cast<void*>(static_cast<uintptr_t>(xstate_note_)), &iov) != 0) {
    const int err = errno;
    process_.WriteRegisters(thread_, saved_regs_);
    throw TraceFailure("registers-failed", "cannot restore the FPU/SSE state of thread " + Tid(thread_) + ": " +
                                               std::strerror(err),
                       thread_.tid, err);
  }
  process_.WriteRegisters(thread_, saved_regs_);
}

}  // namespace iprobe
