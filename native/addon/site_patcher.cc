#include "site_patcher.h"

#include <errno.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "proc_task.h"
#include "process_memory.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

// Moving a thread out of a site or zone: it runs alone for kFirstRun of CPU
// time, then twice as long each round up to kLongestRun, and is stopped
// again after each. Where an interrupt stops a thread is not uniform over
// the instructions: in the test's loop of five 1-byte nops and a jmp it
// landed inside the nops in about 14 rounds of 15 (measured here, AMD EPYC
// guest), where single steps got out in at most four. 256 rounds make a
// failure for such a loop about 2e-8; a thread in straight-line code leaves
// in the first. A thread blocked in a zone costs little per round (it is
// not runnable, so each round ends at once).
constexpr int kMaxRestopsPerThread = 256;
constexpr std::chrono::nanoseconds kFirstRun{4'000};
constexpr std::chrono::nanoseconds kLongestRun{256'000};

std::string Hex(uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string HexBytes(const uint8_t* bytes, size_t length) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < length; i++) {
    std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

void ValidateSites(std::vector<SiteChange>* sites) {
  std::sort(sites->begin(), sites->end(),
            [](const SiteChange& a, const SiteChange& b) { return a.address < b.address; });
  for (size_t i = 0; i < sites->size(); i++) {
    const SiteChange& site = (*sites)[i];
    if (site.expected.empty() || site.expected.size() > kMaxSiteLength ||
        site.expected.size() != site.replacement.size()) {
      throw TraceFailure("invalid-sites", "site " + Hex(site.address) + ": expected and replacement bytes must have "
                                              "the same length, 1 to " + std::to_string(kMaxSiteLength));
    }
    if (i > 0 && (*sites)[i - 1].address + (*sites)[i - 1].expected.size() > site.address) {
      throw TraceFailure("invalid-sites", "sites " + Hex((*sites)[i - 1].address) + " and " + Hex(site.address) +
                                              " overlap");
    }
  }
}

// Sites are sorted and disjoint: only the last one starting at or below pc can contain it.
const SiteChange* SiteStrictlyContaining(const std::vector<SiteChange>& sites, uint64_t pc) {
  auto after = std::upper_bound(sites.begin(), sites.end(), pc,
                                [](uint64_t value, const SiteChange& site) { return value < site.address; });
  if (after == sites.begin()) return nullptr;
  const SiteChange& site = *(after - 1);
  return site.address < pc && pc < site.address + site.expected.size() ? &site : nullptr;
}

void ValidateZones(std::vector<NoStopZone>* zones) {
  for (const NoStopZone& zone : *zones) {
    if (zone.start >= zone.end) {
      throw TraceFailure("invalid-sites", "no-stop zone " + Hex(zone.start) + "-" + Hex(zone.end) + " is empty");
    }
  }
  std::sort(zones->begin(), zones->end(),
            [](const NoStopZone& a, const NoStopZone& b) { return a.start < b.start; });
}

// Zones are few (the loader's text, a PLT or two per object): a scan will do.
const NoStopZone* ZoneContaining(const std::vector<NoStopZone>& zones, uint64_t address) {
  for (const NoStopZone& zone : zones) {
    if (zone.start <= address && address < zone.end) return &zone;
  }
  return nullptr;
}

// Where a stopped thread stands that it must leave before the write.
struct PlaceToLeave {
  const char* failure_code = nullptr;  // nullptr: the thread may stay
  std::string where;
};

// Sites: strictly inside only; a thread at a site's first byte executes the
// new instruction whole. Zones: anywhere, and also when the system call the
// thread is stopped in was issued there (it resumes at resume_pc).
PlaceToLeave FindPlaceToLeave(const std::vector<SiteChange>& sites, const std::vector<NoStopZone>& zones,
                              const user_regs_struct& regs) {
  if (const SiteChange* site = SiteStrictlyContaining(sites, regs.rip)) {
    return {"thread-in-site", "inside the site at " + Hex(site->address)};
  }
  for (uint64_t pc : {static_cast<uint64_t>(regs.rip), ResumePc(regs)}) {
    if (const NoStopZone* zone = ZoneContaining(zones, pc)) {
      return {"thread-in-zone", "in the no-stop zone " + Hex(zone->start) + "-" + Hex(zone->end)};
    }
  }
  return {};
}

// A thread whose next instruction starts inside a site would, after the
// write, decode the tail of the new bytes as an instruction; a thread in a
// no-stop zone would run on into code that races with the write. Each such
// thread is run alone and stopped again (StoppedProcess::RunBriefly, which
// says why this is not a single step) until it stands elsewhere, the other
// threads staying stopped. Then all threads are looked at again: a moved
// thread may have created one. Nothing has been written yet, so a thread
// that will not leave fails the operation with nothing to undo.
size_t MoveThreadsOut(StoppedProcess& process, const std::vector<SiteChange>& sites,
                      const std::vector<NoStopZone>& zones) {
  size_t restops = 0;
  for (bool moved = true; moved;) {
    moved = false;
    for (TracedThread* thread : process.StoppedThreads()) {
      std::chrono::nanoseconds run_for = kFirstRun;
      for (int round = 0;; round++) {
        process.ReadRegisters(*thread);
        const uint64_t pc = thread->regs.rip;
        const uint64_t resume_pc = ResumePc(thread->regs);
        // The kernel restarts this call at its `syscall` instruction: inside
        // a site, no run can get the thread out before the write.
        if (resume_pc != pc) {
          if (const SiteChange* site = SiteStrictlyContaining(sites, resume_pc)) {
            throw TraceFailure("thread-in-site", "thread " + std::to_string(thread->tid) +
                                                     " is blocked in a system call issued inside the site at " +
                                                     Hex(site->address),
                               thread->tid);
          }
        }
        const PlaceToLeave place = FindPlaceToLeave(sites, zones, thread->regs);
        if (!place.failure_code) break;
        if (round == kMaxRestopsPerThread) {
          throw TraceFailure(place.failure_code,
                             "thread " + std::to_string(thread->tid) + " stays " + place.where + " (pc " + Hex(pc) +
                                 (resume_pc != pc ? ", in a system call" : "") + ") after " +
                                 std::to_string(round) + " re-stops; nothing written",
                             thread->tid);
        }
        restops++;
        moved = true;
        if (!process.RunBriefly(*thread, run_for)) break;  // it exited
        run_for = std::min(run_for * 2, kLongestRun);
      }
    }
  }
  return restops;
}

std::vector<MemoryRange> RangesOf(const std::vector<SiteChange>& sites) {
  std::vector<MemoryRange> ranges;
  ranges.reserve(sites.size());
  for (const SiteChange& site : sites) ranges.push_back({site.address, static_cast<uint32_t>(site.expected.size())});
  return ranges;
}

size_t TotalLength(const std::vector<SiteChange>& sites) {
  size_t total = 0;
  for (const SiteChange& site : sites) total += site.expected.size();
  return total;
}

enum class Wanted { kExpected, kReplacement };

// Reads every site; returns a description of the first few that do not hold
// the wanted bytes ("" when all do) and their count.
std::string DescribeMismatches(ProcessMemory& memory, const std::vector<SiteChange>& sites, Wanted wanted,
                               size_t* count) {
  std::vector<uint8_t> current(TotalLength(sites));
  std::vector<bool> readable;
  memory.ReadMany(RangesOf(sites), current.data(), &readable);
  std::string text;
  *count = 0;
  size_t offset = 0;
  for (size_t i = 0; i < sites.size(); i++) {
    const SiteChange& site = sites[i];
    const std::vector<uint8_t>& want = wanted == Wanted::kExpected ? site.expected : site.replacement;
    const uint8_t* found = current.data() + offset;
    offset += want.size();
    if (readable[i] && std::memcmp(found, want.data(), want.size()) == 0) continue;
    if (++*count > 3) continue;
    if (!text.empty()) text += "; ";
    text += Hex(site.address) + (readable[i] ? ": found " + HexBytes(found, want.size()) + ", expected " +
                                                   HexBytes(want.data(), want.size())
                                             : ": unreadable");
  }
  return text;
}

// Puts `expected` back into sites[0, written), last first. Returns the sites
// that could not be restored (empty on success).
std::vector<uint64_t> RollBack(ProcessMemory& memory, const std::vector<SiteChange>& sites, size_t written) {
  std::vector<uint64_t> failed;
  std::vector<uint8_t> check(kMaxSiteLength);
  for (size_t i = written; i-- > 0;) {
    const SiteChange& site = sites[i];
    if (memory.Write(site.address, site.expected.data(), site.expected.size()) != 0 ||
        memory.Read(site.address, check.data(), site.expected.size()) != 0 ||
        std::memcmp(check.data(), site.expected.data(), site.expected.size()) != 0) {
      failed.push_back(site.address);
    }
  }
  return failed;
}

// ---------------------------------------------------------------------------
// Writing the sites of one operation.
//
// Before (every thread of the target stopped in the kernel, no thread's next
// instruction strictly inside a site, each site holding `expected`):
//
//   site 0:  0f 1f 44 00 00     nopl 0x0(%rax,%rax,1)
//   site 1:  0f 1f 44 00 00     nopl 0x0(%rax,%rax,1)
//
// After (what the threads execute when they next run):
//
//   site 0:  e8 xx xx xx xx     call <handler@plt>
//   site 1:  e8 xx xx xx xx     call <handler@plt>
//
// Order:
//   1. Read every site and compare it with `expected`. Any difference and
//      nothing is written: someone else (another iprobe, a debugger, a JIT)
//      owns those bytes, or our map of the process is wrong.
//   2. Write each site whole, one pwrite() on /proc/PID/mem per site. No
//      thread executes while we write, so unlike patching running code
//      (where the first bytes must be written last and atomically) sites may
//      be written in any order and width: no fetch can see half of one.
//   3. Read every site back and compare it with `replacement`. Text is a
//      private file mapping: the write lands in a copy-on-write copy made for
//      this process, and we trust what we read, not what write() returned.
//   4. Only now does any thread resume (the caller's StoppedProcess::Resume).
//      x86 cross-modifying code (Intel SDM vol. 3A, 8.1.3) is unsafe when
//      another CPU may already have fetched the old bytes. Here no CPU runs
//      the target's code from the moment its last thread stopped until the
//      first resumes; each thread then leaves the kernel through the
//      scheduler and a return to user mode, and fetches the bytes of step 2.
//      Resuming a thread before step 3 is done for every site would break
//      the all-or-nothing promise, so nothing resumes earlier.
//
// A failure in step 2 or 3 rewrites `expected` into every site written so
// far, newest first, reading each back, still before anything resumes.
// ---------------------------------------------------------------------------
void WriteVerifyOrRollBack(ProcessMemory& memory, const std::vector<SiteChange>& sites, pid_t pid) {
  size_t mismatches = 0;
  std::string mismatch = DescribeMismatches(memory, sites, Wanted::kExpected, &mismatches);
  if (mismatches) {
    throw TraceFailure("site-mismatch", std::to_string(mismatches) + " of " + std::to_string(sites.size()) +
                                            " sites do not hold the expected bytes, nothing written (" + mismatch +
                                            ")");
  }

  auto fail = [&](size_t written, const std::string& code, const std::string& what, int err) {
    if (TaskIsDead(pid, pid)) {
      throw TraceFailure("exited", "process " + std::to_string(pid) + " exited while its sites were written", pid);
    }
    std::vector<uint64_t> stuck = RollBack(memory, sites, written);
    if (!stuck.empty()) {
      std::string list;
      for (size_t i = 0; i < stuck.size() && i < 8; i++) list += (i ? ", " : "") + Hex(stuck[i]);
      throw TraceFailure("rollback-failed", what + "; rolling back FAILED for " + std::to_string(stuck.size()) +
                                                " site(s) still holding the replacement bytes: " + list,
                         0, err);
    }
    throw TraceFailure(code, what + "; the " + std::to_string(written) + " site(s) written before were restored", 0,
                       err);
  };

  for (size_t i = 0; i < sites.size(); i++) {
    const SiteChange& site = sites[i];
    if (int err = memory.Write(site.address, site.replacement.data(), site.replacement.size())) {
      fail(i, "write-failed", "cannot write site " + Hex(site.address) + ": " + std::strerror(err), err);
    }
  }
  mismatch = DescribeMismatches(memory, sites, Wanted::kReplacement, &mismatches);
  if (mismatches) fail(sites.size(), "verify-failed", "read-back differs after writing (" + mismatch + ")", 0);
}

}  // namespace

PatchReport PatchSites(pid_t pid, std::vector<SiteChange> sites, std::vector<NoStopZone> zones,
                       const StopOptions& options) {
  ValidateSites(&sites);
  ValidateZones(&zones);
  PatchReport report;
  report.sites = sites.size();
  {
    ProcessMemory memory(pid);  // opened before the stop: it costs no stop time
    StoppedProcess process(pid, options);
    report.threads = process.thread_count();
    report.restops = MoveThreadsOut(process, sites, zones);
    if (options.abort_requested && options.abort_requested->load()) {
      throw TraceFailure("interrupted", "interrupted before anything was written to process " + std::to_string(pid));
    }
    WriteVerifyOrRollBack(memory, sites, pid);
    process.Resume();
    report.stop_window_ns = process.stop_window_ns();
  }
  return report;
}

}  // namespace iprobe
