// How the kernel resumes a thread that a ptrace stop caught inside a system
// call. The call has already returned into the kernel's exit path with a
// "restart me" code in rax; when the thread next leaves the kernel without
// running a signal handler, arch_do_signal_or_restart() sees orig_rax >= 0
// and one of these codes, moves rip back over the 2-byte `syscall` and
// issues the call again (rax = orig_rax, or restart_syscall for
// -ERESTART_RESTARTBLOCK, which continues from current->restart_block).
#pragma once
#include <sys/user.h>

#include <cstdint>

namespace iprobe {

enum class SyscallRestart {
  kNone,          // not in a system call, or one that completed
  kRestart,       // -ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND: the same call again
  kRestartBlock,  // -ERESTART_RESTARTBLOCK: restart_syscall() from per-thread kernel state
};

SyscallRestart RestartOf(const user_regs_struct& regs);

// The pc at which a stopped thread will resume: a thread stopped inside a
// system call that the kernel restarts resumes on the `syscall` instruction.
uint64_t ResumePc(const user_regs_struct& regs);

}  // namespace iprobe
