// The call stacks of stopped threads of a traced process, unwound with
// elfutils' libdwfl from the .eh_frame of every mapped object (present in
// gcc-built code unless explicitly turned off, stripped binaries included).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

struct Dwfl;

namespace iprobe {

class ThreadFrames {
 public:
  // Reads the process's mappings once (the threads may still run). Of()
  // needs the thread ptrace-stopped by the calling thread. Never throws: a
  // process that cannot be unwound gives no frames.
  explicit ThreadFrames(pid_t pid);
  ~ThreadFrames();
  ThreadFrames(const ThreadFrames&) = delete;
  ThreadFrames& operator=(const ThreadFrames&) = delete;

  // Innermost first: the pc the thread stopped at, then for each caller an
  // address inside its call instruction (return address - 1), at most
  // `max_frames`. `complete` is false when unwinding stopped early.
  std::vector<uint64_t> Of(pid_t tid, size_t max_frames, bool* complete);

 private:
  ::Dwfl* dwfl_ = nullptr;
  bool attached_ = false;
};

}  // namespace iprobe
