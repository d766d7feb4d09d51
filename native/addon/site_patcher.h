// Switches a set of code sites of a live process between two byte sequences,
// all or nothing: stop every thread, move threads out of the sites, compare,
// write, verify, roll back on failure, resume.
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

struct PatchReport {
  size_t threads = 0;
  size_t single_steps = 0;
  size_t sites = 0;
  size_t writes = 0;  // pwrite()s of the write step: one per page holding sites
  uint64_t stop_window_ns = 0;
};

// Longest site accepted: a few instructions, never a whole function.
constexpr size_t kMaxSiteLength = 64;

// Throws TraceFailure; on any failure no site is left changed and the process runs on.
PatchReport PatchSites(pid_t pid, std::vector<SiteChange> sites, const StopOptions& options);

}  // namespace iprobe
