#include "seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>

#include <cstring>
#include <fstream>

#include "trace_failure.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

namespace iprobe {
namespace {

// Filters longer than this are refused by the kernel (BPF_MAXINSNS).
constexpr size_t kMaxInstructions = 4096;
constexpr uint32_t kSeccompDataSize = sizeof(seccomp_data);

// /proc/PID/task/TID/status "Seccomp:" — 0 none, 1 strict, 2 filter.
int SeccompMode(pid_t pid, pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Seccomp:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

std::vector<std::vector<sock_filter>> ReadFilters(pid_t tid) {
  std::vector<std::vector<sock_filter>> filters;
  for (unsigned long index = 0;; index++) {
    long count = ptrace(static_cast<__ptrace_request>(PTRACE_SECCOMP_GET_FILTER), tid, index, nullptr);
    if (count < 0 && errno == ENOENT) break;  // past the oldest filter
    if (count < 0 || static_cast<size_t>(count) > kMaxInstructions) {
      const int err = count < 0 ? errno : EINVAL;
      throw TraceFailure("seccomp-unreadable", "thread " + std::to_string(tid) +
                                                   " runs under a seccomp filter that iprobe cannot read (" +
                                                   std::strerror(err) + ")",
                         tid, err);
    }
    std::vector<sock_filter> program(static_cast<size_t>(count));
    if (ptrace(static_cast<__ptrace_request>(PTRACE_SECCOMP_GET_FILTER), tid, index, program.data()) != count) {
      const int err = errno;
      throw TraceFailure("seccomp-unreadable", "cannot read seccomp filter " + std::to_string(index) +
                                                   " of thread " + std::to_string(tid) + ": " + std::strerror(err),
                         tid, err);
    }
    filters.push_back(std::move(program));
  }
  return filters;
}

// Classic BPF as seccomp accepts it (kernel/seccomp.c seccomp_check_filter):
// loads only from seccomp_data, scratch memory, no packet access. A program
// the kernel accepted cannot jump backwards or run off its end.
uint32_t RunFilter(const std::vector<sock_filter>& program, const seccomp_data& data) {
  uint32_t a = 0, x = 0;
  uint32_t scratch[BPF_MEMWORDS] = {};
  const auto* bytes = reinterpret_cast<const uint8_t*>(&data);
  for (size_t pc = 0; pc < program.size(); pc++) {
    const sock_filter& in = program[pc];
    const uint32_t src = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        if (BPF_MODE(in.code) == BPF_ABS && in.k + 4 <= kSeccompDataSize) std::memcpy(&a, bytes + in.k, 4);
        else if (BPF_MODE(in.code) == BPF_IMM) a = in.k;
        else if (BPF_MODE(in.code) == BPF_MEM) a = scratch[in.k % BPF_MEMWORDS];
        else if (BPF_MODE(in.code) == BPF_LEN) a = kSeccompDataSize;
        break;
      case BPF_LDX:
        if (BPF_MODE(in.code) == BPF_IMM) x = in.k;
        else if (BPF_MODE(in.code) == BPF_MEM) x = scratch[in.k % BPF_MEMWORDS];
        else if (BPF_MODE(in.code) == BPF_LEN) x = kSeccompDataSize;
        break;
      case BPF_ST: scratch[in.k % BPF_MEMWORDS] = a; break;
      case BPF_STX: scratch[in.k % BPF_MEMWORDS] = x; break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD: a += src; break;
          case BPF_SUB: a -= src; break;
          case BPF_MUL: a *= src; break;
          case BPF_DIV: a = src ? a / src : 0; break;
          case BPF_MOD: a = src ? a % src : 0; break;
          case BPF_OR: a |= src; break;
          case BPF_AND: a &= src; break;
          case BPF_XOR: a ^= src; break;
          case BPF_LSH: a = src < 32 ? a << src : 0; break;
          case BPF_RSH: a = src < 32 ? a >> src : 0; break;
          case BPF_NEG: a = -a; break;
        }
        break;
      case BPF_JMP:
        switch (BPF_OP(in.code)) {
          case BPF_JA: pc += in.k; break;
          case BPF_JEQ: pc += a == src ? in.jt : in.jf; break;
          case BPF_JGT: pc += a > src ? in.jt : in.jf; break;
          case BPF_JGE: pc += a >= src ? in.jt : in.jf; break;
          case BPF_JSET: pc += (a & src) ? in.jt : in.jf; break;
        }
        break;
      case BPF_RET: return BPF_RVAL(in.code) == BPF_A ? a : in.k;
      case BPF_MISC: if (BPF_MISCOP(in.code) == BPF_TAX) x = a; else a = x; break;
    }
  }
  return SECCOMP_RET_KILL_PROCESS;  // unreachable for a program the kernel accepted
}

// The kernel keeps the action whose (signed) action bits are lowest.
int32_t ActionRank(uint32_t action) { return static_cast<int32_t>(action & SECCOMP_RET_ACTION_FULL); }

std::string DescribeAction(uint32_t action) {
  switch (action & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS: return "kill process";
    case SECCOMP_RET_KILL_THREAD: return "kill thread";
    case SECCOMP_RET_TRAP: return "SIGSYS";
    case SECCOMP_RET_ERRNO: return "errno " + std::to_string(action & SECCOMP_RET_DATA);
    case SECCOMP_RET_USER_NOTIF: return "user notification";
    case SECCOMP_RET_TRACE: return "tracer";
    default: return "action " + std::to_string(action);
  }
}

}  // namespace

std::vector<std::string> ForbiddenSyscalls(pid_t pid, pid_t tid, const std::vector<SyscallUse>& uses,
                                           uint64_t instruction_pointer) {
  std::vector<std::string> forbidden;
  const int mode = SeccompMode(pid, tid);
  if (mode == 0) return forbidden;
  if (mode == SECCOMP_MODE_STRICT) {
    throw TraceFailure("seccomp-strict", "thread " + std::to_string(tid) + " of process " + std::to_string(pid) +
                                             " runs in seccomp strict mode: only read, write, exit and sigreturn "
                                             "are allowed, and dlopen needs openat, mmap, mprotect and more",
                       tid);
  }
  const std::vector<std::vector<sock_filter>> filters = ReadFilters(tid);
  auto verdict_for = [&](int number, const std::array<uint64_t, 6>& args) {
    seccomp_data data{};
    data.nr = number;
    data.arch = AUDIT_ARCH_X86_64;
    data.instruction_pointer = instruction_pointer;
    for (size_t i = 0; i < 6; i++) data.args[i] = args[i];
    uint32_t verdict = SECCOMP_RET_ALLOW;
    for (const auto& filter : filters) {
      const uint32_t action = RunFilter(filter, data);
      if (ActionRank(action) < ActionRank(verdict)) verdict = action;
    }
    return verdict;
  };
  auto allowed = [](uint32_t verdict) {
    const uint32_t kind = verdict & SECCOMP_RET_ACTION_FULL;
    return kind == SECCOMP_RET_ALLOW || kind == SECCOMP_RET_LOG;
  };
  for (const SyscallUse& use : uses) {
    uint32_t verdict = verdict_for(use.number, use.args);
    const char* name = use.name;
    if (!allowed(verdict) && use.fallback >= 0 && verdict == (SECCOMP_RET_ERRNO | ENOSYS)) {
      verdict = verdict_for(use.fallback, use.args);
      name = use.fallback_name;
    }
    if (allowed(verdict)) continue;
    std::string entry = std::string(name) + " (" + DescribeAction(verdict) + ")";
    bool seen = false;
    for (const std::string& f : forbidden) seen = seen || f == entry;
    if (!seen) forbidden.push_back(entry);
  }
  return forbidden;
}

}  // namespace iprobe
