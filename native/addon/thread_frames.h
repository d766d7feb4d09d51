// The call stacks of stopped threads of a traced process, unwound with
// elfutils' libdwfl from the .eh_frame of every mapped object (present in
// gcc-built code unless explicitly turned off, stripped binaries included).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

struct Dwfl;

namespace iprobe {

// A thread's call stack as far as it could be unwound.
struct UnwoundStack {
  enum class End {
    kOutermost,  // the unwinder reached the thread's first frame (CFI marks it)
    kDepthLimit,  // `max_frames` frames, and there may be more
    kStopped,     // unwinding failed part-way: the callers beyond are unknown
  };
  // Innermost first: the pc the thread stopped at, then for each caller an
  // address inside its call instruction (return address - 1).
  std::vector<uint64_t> pcs;
  End end = End::kStopped;
  std::string why;  // for kStopped: libdwfl's reason ("No DWARF information found", ...)
};

class ThreadFrames {
 public:
  // Reads the process's mappings once (the threads may still run). Of()
  // needs the thread ptrace-stopped by the calling thread. Never throws: a
  // process whose objects cannot be read gives stacks that end kStopped
  // at once, with error() as the reason.
  explicit ThreadFrames(pid_t pid);
  ~ThreadFrames();
  ThreadFrames(const ThreadFrames&) = delete;
  ThreadFrames& operator=(const ThreadFrames&) = delete;

  // At most `max_frames` frames of thread `tid`.
  UnwoundStack Of(pid_t tid, size_t max_frames);

  // "" once the process's objects were read; else why they could not be.
  const std::string& error() const { return error_; }

 private:
  ::Dwfl* dwfl_ = nullptr;
  bool attached_ = false;
  std::string error_;
};

}  // namespace iprobe
