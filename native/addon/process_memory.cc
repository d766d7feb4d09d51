#include "process_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "trace_failure.h"

namespace iprobe {

ProcessMemory::ProcessMemory(pid_t pid) : pid_(pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/mem";
  fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0 && errno == EACCES) fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    throw TraceFailure(err == ENOENT ? "no-such-process" : err == EACCES || err == EPERM ? "memory-denied" : "memory-failed",
                       "cannot open " + path + ": " + std::strerror(err), pid, err);
  }
}

ProcessMemory::~ProcessMemory() { close(fd_); }

int ProcessMemory::Read(uint64_t address, uint8_t* out, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd_, out + done, length - done, static_cast<off_t>(address + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

int ProcessMemory::Write(uint64_t address, const uint8_t* bytes, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = pwrite(fd_, bytes + done, length - done, static_cast<off_t>(address + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

void ProcessMemory::ReadMany(const std::vector<MemoryRange>& ranges, uint8_t* out, std::vector<bool>* readable) {
  readable->assign(ranges.size(), false);
  constexpr size_t kBatch = IOV_MAX;
  size_t offset = 0;
  for (size_t first = 0; first < ranges.size(); first += kBatch) {
    const size_t count = std::min(kBatch, ranges.size() - first);
    std::vector<iovec> local(count), remote(count);
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
      const MemoryRange& r = ranges[first + i];
      local[i] = {out + offset + total, r.length};
      remote[i] = {reinterpret_cast<void*>(r.address), r.length};
      total += r.length;
    }
    ssize_t n = process_vm_readv(pid_, local.data(), count, remote.data(), count, 0);
    // process_vm_readv stops at the first range it cannot read (and cannot
    // read pages mapped without PROT_READ at all): read the rest one by one.
    size_t good = 0, consumed = 0;
    while (n > 0 && good < count && consumed + ranges[first + good].length <= static_cast<size_t>(n)) {
      consumed += ranges[first + good].length;
      (*readable)[first + good] = true;
      good++;
    }
    size_t at = offset + consumed;
    for (size_t i = good; i < count; i++) {
      const MemoryRange& r = ranges[first + i];
      (*readable)[first + i] = Read(r.address, out + at, r.length) == 0;
      at += r.length;
    }
    offset += total;
  }
}

}  // namespace iprobe
