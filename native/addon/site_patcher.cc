#include "site_patcher.h"

#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "proc_task.h"
#include "process_memory.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

// Enough to leave any multi-instruction site; more means a loop inside one.
constexpr int kMaxStepsPerThread = 64;

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

// A thread whose next instruction starts inside a site would, after the
// write, decode the tail of the new bytes as an instruction. Single-step it
// until its pc is outside every site; a thread at a site's first byte is
// fine (it executes the new instruction whole).
size_t MoveThreadsOutOfSites(StoppedProcess& process, const std::vector<SiteChange>& sites) {
  size_t steps = 0;
  for (bool stepped = true; stepped;) {
    stepped = false;
    for (TracedThread* thread : process.StoppedThreads()) {
      for (int count = 0;; count++) {
        process.ReadRegisters(*thread);
        const uint64_t pc = thread->regs.rip;
        const uint64_t resume_pc = ResumePc(thread->regs);
        const SiteChange* inside = SiteStrictlyContaining(sites, pc);
        if (resume_pc != pc && SiteStrictlyContaining(sites, resume_pc)) {
          throw TraceFailure("thread-in-site", "thread " + std::to_string(thread->tid) +
                                                   " is blocked in a system call issued inside the site at " +
                                                   Hex(SiteStrictlyContaining(sites, resume_pc)->address),
                             thread->tid);
        }
        if (!inside) break;
        if (count == kMaxStepsPerThread) {
          throw TraceFailure("thread-in-site", "thread " + std::to_string(thread->tid) + " stays inside the site at " +
                                                   Hex(inside->address) + " (pc " + Hex(pc) + ") after " +
                                                   std::to_string(count) + " single steps",
                             thread->tid);
        }
        steps++;
        stepped = true;
        if (!process.SingleStep(*thread)) break;  // it exited
      }
    }
  }
  return steps;
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

PatchReport PatchSites(pid_t pid, std::vector<SiteChange> sites, const StopOptions& options) {
  ValidateSites(&sites);
  PatchReport report;
  report.sites = sites.size();
  {
    ProcessMemory memory(pid);  // opened before the stop: it costs no stop time
    StoppedProcess process(pid, options);
    report.threads = process.thread_count();
    report.single_steps = MoveThreadsOutOfSites(process, sites);
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
