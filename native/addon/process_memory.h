// Reads and writes another process's memory through /proc/PID/mem. Writes
// there go through the kernel's FOLL_FORCE path, so read-only text can be
// patched (the kernel copies the page on write for that process only).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace iprobe {

struct MemoryRange {
  uint64_t address;
  uint32_t length;
};

class ProcessMemory {
 public:
  // Throws TraceFailure when /proc/PID/mem cannot be opened.
  explicit ProcessMemory(pid_t pid);
  ~ProcessMemory();
  ProcessMemory(const ProcessMemory&) = delete;
  ProcessMemory& operator=(const ProcessMemory&) = delete;

  // Exactly `length` bytes or an errno (EIO for an unmapped address).
  int Read(uint64_t address, uint8_t* out, size_t length);
  int Write(uint64_t address, const uint8_t* bytes, size_t length);

  // Reads many ranges into `out` (their bytes back to back); readable[i] says
  // whether range i could be read. Batched with process_vm_readv.
  void ReadMany(const std::vector<MemoryRange>& ranges, uint8_t* out, std::vector<bool>* readable);

 private:
  pid_t pid_;
  int fd_;
};

}  // namespace iprobe
