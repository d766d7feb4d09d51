#include "syscall_restart.h"

namespace iprobe {
namespace {

// Kernel-internal results (include/linux/errno.h), never seen by user space.
constexpr long kErestartSys = 512;
constexpr long kErestartNoIntr = 513;
constexpr long kErestartNoHand = 514;
constexpr long kErestartRestartBlock = 516;
constexpr uint64_t kSyscallInstructionLength = 2;  // 0f 05

}  // namespace

SyscallRestart RestartOf(const user_regs_struct& regs) {
  if (static_cast<int64_t>(regs.orig_rax) < 0) return SyscallRestart::kNone;  // not inside a system call
  switch (-static_cast<long>(regs.rax)) {
    case kErestartSys:
    case kErestartNoIntr:
    case kErestartNoHand:
      return SyscallRestart::kRestart;
    case kErestartRestartBlock:
      return SyscallRestart::kRestartBlock;
    default:
      return SyscallRestart::kNone;
  }
}

uint64_t ResumePc(const user_regs_struct& regs) {
  return RestartOf(regs) == SyscallRestart::kNone ? regs.rip : regs.rip - kSyscallInstructionLength;
}

}  // namespace iprobe
