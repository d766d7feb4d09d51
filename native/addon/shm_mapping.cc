#include "shm_mapping.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <x86intrin.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace iprobe {

std::unique_ptr<ShmMapping> ShmMapping::Open(const std::string& path, int* errnum) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    *errnum = errno;
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *errnum = errno;
    close(fd);
    return nullptr;
  }
  if (st.st_size == 0) {
    close(fd);
    *errnum = ENODATA;  // created but not yet sized: the runtime is starting
    return nullptr;
  }
  void* base = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  *errnum = errno;
  close(fd);
  if (base == MAP_FAILED) return nullptr;
  return std::unique_ptr<ShmMapping>(new ShmMapping(static_cast<uint8_t*>(base), static_cast<size_t>(st.st_size)));
}

ShmMapping::~ShmMapping() { munmap(base_, size_); }

bool ShmMapping::InBounds(uint64_t offset, uint64_t length, uint64_t align) const {
  return offset <= size_ && length <= size_ - offset && offset % align == 0;
}

void ShmMapping::Read(uint64_t offset, uint64_t length, uint8_t* out) const {
  std::memcpy(out, base_ + offset, length);
}

uint32_t ShmMapping::Load32(uint64_t offset) const {
  return __atomic_load_n(reinterpret_cast<uint32_t*>(base_ + offset), __ATOMIC_ACQUIRE);
}

uint64_t ShmMapping::Load64(uint64_t offset) const {
  return __atomic_load_n(reinterpret_cast<uint64_t*>(base_ + offset), __ATOMIC_ACQUIRE);
}

void ShmMapping::Store32(uint64_t offset, uint32_t value) {
  __atomic_store_n(reinterpret_cast<uint32_t*>(base_ + offset), value, __ATOMIC_RELEASE);
}

void ShmMapping::Store64(uint64_t offset, uint64_t value) {
  __atomic_store_n(reinterpret_cast<uint64_t*>(base_ + offset), value, __ATOMIC_RELEASE);
}

uint32_t ShmMapping::Add32(uint64_t offset, uint32_t delta) {
  return __atomic_add_fetch(reinterpret_cast<uint32_t*>(base_ + offset), delta, __ATOMIC_ACQ_REL);
}

bool ShmMapping::CompareExchange32(uint64_t offset, uint32_t expected, uint32_t desired) {
  return __atomic_compare_exchange_n(reinterpret_cast<uint32_t*>(base_ + offset), &expected, desired, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int ShmMapping::Wake32(uint64_t offset, int count) {
  long woken = syscall(SYS_futex, reinterpret_cast<uint32_t*>(base_ + offset), FUTEX_WAKE, count, nullptr, nullptr, 0);
  return woken < 0 ? 0 : static_cast<int>(woken);
}

uint64_t ShmMapping::Drain(const RingLocation& ring, uint64_t max_events, std::vector<uint8_t>* out) {
  auto* write_index = reinterpret_cast<uint64_t*>(base_ + ring.write_index_offset);
  auto* read_index = reinterpret_cast<uint64_t*>(base_ + ring.read_index_offset);
  // acquire pairs with the writer's release: the events below write are complete
  uint64_t write = __atomic_load_n(write_index, __ATOMIC_ACQUIRE);
  uint64_t read = __atomic_load_n(read_index, __ATOMIC_RELAXED);
  uint64_t pending = write - read;
  if (pending > ring.capacity) pending = ring.capacity;  // cannot happen with one reader; never copy garbage
  if (pending > max_events) pending = max_events;
  out->resize(pending * ring.event_size);
  for (uint64_t i = 0; i < pending; i++) {
    uint64_t slot = (read + i) & (ring.capacity - 1);
    std::memcpy(out->data() + i * ring.event_size, base_ + ring.events_offset + slot * ring.event_size,
                ring.event_size);
  }
  // release: the copies are done before the writer may reuse their space
  __atomic_store_n(read_index, read + pending, __ATOMIC_RELEASE);
  return pending;
}

bool ShmMapping::ReadStable(uint64_t seq_offset, const std::vector<std::pair<uint64_t, uint64_t>>& ranges,
                            int attempts, std::vector<uint8_t>* out) const {
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.second;
  out->resize(total);
  const auto* seq = reinterpret_cast<const uint32_t*>(base_ + seq_offset);
  for (int attempt = 0; attempt < attempts; attempt++) {
    uint32_t before = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
    if (before & 1) {
      sched_yield();
      continue;
    }
    uint8_t* cursor = out->data();
    for (const auto& r : ranges) {
      std::memcpy(cursor, base_ + r.first, r.second);
      cursor += r.second;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(seq, __ATOMIC_RELAXED) == before) return true;
  }
  return false;
}

void ReadClockPair(uint64_t* ticks, uint64_t* ns) {
  struct timespec ts;
  uint64_t before = __rdtsc();
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t after = __rdtsc();
  *ticks = before + (after - before) / 2;
  *ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace iprobe
