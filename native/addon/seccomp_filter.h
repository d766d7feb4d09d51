// What a thread's seccomp filters would do with given system calls: read
// with PTRACE_SECCOMP_GET_FILTER (root) and run through a classic-BPF
// interpreter, the way the kernel runs them (every filter, the most
// restrictive action wins).
#pragma once
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace iprobe {

struct SyscallUse {
  int number;
  const char* name;
  std::array<uint64_t, 6> args;
  // glibc retries with this call when the first fails with ENOSYS (clone3 -> clone); -1: none.
  int fallback = -1;
  const char* fallback_name = nullptr;
};

// Names of the uses the thread's filters would not allow ("openat (errno
// 13)", "mmap (kill process)"); empty when it has no filter or all pass.
// Throws TraceFailure "seccomp-strict" (mode 1 allows only read, write,
// exit, sigreturn) and "seccomp-unreadable" (filters that cannot be read
// cannot be trusted to allow anything). The thread must be ptrace-stopped.
std::vector<std::string> ForbiddenSyscalls(pid_t pid, pid_t tid, const std::vector<SyscallUse>& uses,
                                           uint64_t instruction_pointer);

}  // namespace iprobe
