// The one exception type of the ptrace engine. `code` is a stable identifier
// that the TypeScript side turns into an operator-facing message; the text is
// for logs and for codes it does not know.
#pragma once
#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace iprobe {

class TraceFailure : public std::runtime_error {
 public:
  TraceFailure(std::string code, const std::string& message, pid_t tid = 0, int sys_errno = 0)
      : std::runtime_error(message), code_(std::move(code)), tid_(tid), sys_errno_(sys_errno) {}

  const std::string& code() const { return code_; }
  pid_t tid() const { return tid_; }
  int sys_errno() const { return sys_errno_; }

 private:
  std::string code_;
  pid_t tid_;
  int sys_errno_;
};

}  // namespace iprobe
