// A read/write mapping of a runtime's shared-memory segment, with the atomic
// accesses the reader side of the ring and seqlock protocols needs. It knows
// nothing of the layout: the TypeScript side (src/runtime/layout.ts) passes
// offsets, so only one reader-side copy of the layout exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace iprobe {

struct RingLocation {
  uint64_t write_index_offset;
  uint64_t read_index_offset;
  uint64_t events_offset;
  uint64_t capacity;  // events, power of two
  uint64_t event_size;
};

class ShmMapping {
 public:
  // Maps the whole file read/write. On failure returns null and sets *errnum.
  static std::unique_ptr<ShmMapping> Open(const std::string& path, int* errnum);
  ~ShmMapping();
  ShmMapping(const ShmMapping&) = delete;
  ShmMapping& operator=(const ShmMapping&) = delete;

  size_t size() const { return size_; }
  bool InBounds(uint64_t offset, uint64_t length, uint64_t align) const;

  void Read(uint64_t offset, uint64_t length, uint8_t* out) const;
  uint32_t Load32(uint64_t offset) const;
  uint64_t Load64(uint64_t offset) const;
  void Store32(uint64_t offset, uint32_t value);
  void Store64(uint64_t offset, uint64_t value);
  uint32_t Add32(uint64_t offset, uint32_t delta);
  bool CompareExchange32(uint64_t offset, uint32_t expected, uint32_t desired);
  // FUTEX_WAKE on the 32-bit word at offset (shared, not private: the waiter
  // is another process mapping the same file). Returns the waiters woken.
  int Wake32(uint64_t offset, int count);

  // Copies up to max_events pending events of one ring into *out and gives
  // their space back to the writer. Returns the number of events copied.
  uint64_t Drain(const RingLocation& ring, uint64_t max_events, std::vector<uint8_t>* out);

  // Copies the (offset, length) ranges while the 32-bit sequence at
  // seq_offset is even and unchanged across the copy. false after `attempts`.
  bool ReadStable(uint64_t seq_offset, const std::vector<std::pair<uint64_t, uint64_t>>& ranges, int attempts,
                  std::vector<uint8_t>* out) const;

 private:
  ShmMapping(uint8_t* base, size_t size) : base_(base), size_(size) {}
  uint8_t* base_;
  size_t size_;
};

// One (TSC ticks, CLOCK_MONOTONIC ns) pair, read back to back.
void ReadClockPair(uint64_t* ticks, uint64_t* ns);

}  // namespace iprobe
