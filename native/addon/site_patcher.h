// Switches a set of code sites of a live process between two byte sequences,
// all or nothing: stop every thread, move threads out of the sites and the
// no-stop zones, compare, write, verify, roll back on failure, resume.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "stopped_process.h"
#include "syscall_restart.h"

namespace iprobe {

struct SiteChange {
  uint64_t address = 0;
  std::vector<uint8_t> expected;     // what must be there now
  std::vector<uint8_t> replacement;  // same length
};

// [start, end): code in which no thread may stand, first byte included,
// when the sites are written, because what it does next would race with the
// write. ld.so's lazy resolver and the PLT stubs, for a GOT slot: a thread
// there may still store the address it resolved into the slot after ours.
struct NoStopZone {
  uint64_t start = 0;
  uint64_t end = 0;
};

struct PatchReport {
  size_t threads = 0;
  // Times a thread was resumed alone and stopped again to leave a site or a
  // zone (StoppedProcess::RunBriefly).
  size_t restops = 0;
  size_t sites = 0;
  size_t nop_skips = 0;  // threads moved over the NOPs that end a site (SkipTrailingNops)
  size_t writes = 0;  // pwrite()s of the write step: one per page holding sites
  uint64_t stop_window_ns = 0;
};

// Longest site accepted: a few instructions, never a whole function.
constexpr size_t kMaxSiteLength = 64;

// Throws TraceFailure; on any failure no site is left changed and the process runs on.
PatchReport PatchSites(pid_t pid, std::vector<SiteChange> sites, std::vector<NoStopZone> zones,
                       const StopOptions& options);

}  // namespace iprobe
