// Makes one stopped thread of a traced process call a function of that
// process and hands back its return value, then puts the thread back exactly
// as it was. The comment block in remote_call.cc explains each rule it keeps
// (registers, FPU/SSE state, red zone, stack alignment, the trap return and
// system-call restart).
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "process_memory.h"
#include "stopped_process.h"

namespace iprobe {

// Where a remote call returns to: the page at 0 is never mapped in a process
// that did not map it explicitly (vm.mmap_min_addr; checked per process), so
// the `ret` of the called function faults there and the kernel reports the
// fault to us as a SIGSEGV stop before the process sees it.
constexpr uint64_t kReturnTrapAddress = 0x10;

// Room a called function may use below the data we place on the stack.
constexpr uint64_t kMinimumStackRoom = 64 * 1024;

class RemoteCaller {
 public:
  // Saves the thread's general registers and its whole extended (x87, SSE,
  // AVX, ...) state. Throws TraceFailure.
  RemoteCaller(StoppedProcess& process, TracedThread& thread, ProcessMemory& memory);
  // Restores the thread if Restore() was not called (failures, exceptions).
  ~RemoteCaller();
  RemoteCaller(const RemoteCaller&) = delete;
  RemoteCaller& operator=(const RemoteCaller&) = delete;

  // Copies `bytes` onto the thread's stack below its red zone and returns the
  // address; valid for the calls that follow, until Restore().
  uint64_t PushData(const std::vector<uint8_t>& bytes);

  // Calls `function(args...)` (at most six integer/pointer arguments) on the
  // thread and returns %rax. Throws TraceFailure: "exited" when the process
  // dies meanwhile, "remote-call-fault" when the function crashes,
  // "remote-call-timeout" when it does not return in time. In every case the
  // thread's registers can still be restored (except when it is gone), but
  // a function abandoned part-way is not undone: locks it took stay held.
  uint64_t Call(uint64_t function, const std::vector<uint64_t>& args, std::chrono::milliseconds timeout);

  // Puts back the saved registers and extended state. Idempotent.
  void Restore();

  pid_t tid() const { return thread_.tid; }

 private:
  StoppedProcess& process_;
  TracedThread& thread_;
  ProcessMemory& memory_;
  user_regs_struct saved_regs_{};
  std::vector<uint8_t> saved_xstate_;
  int xstate_note_ = 0;  // NT_X86_XSTATE, or NT_PRFPREG where XSAVE is unavailable
  uint64_t data_top_ = 0;  // lowest address used by PushData so far
  bool restored_ = false;
};

}  // namespace iprobe
