#include "site_patcher.h"

#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "proc_task.h"
#include "process_memory.h"
#include "site_spans.h"
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

enum class Wanted { kExpected, kReplacement };

// Compares every site with the bytes wanted there, using `now[s]` as what span
// s holds; returns a description of the first few that differ ("" when none
// does) and their count.
std::string DescribeMismatches(const std::vector<SiteChange>& sites, const std::vector<SiteSpan>& spans,
                               const std::vector<const uint8_t*>& now, const std::vector<bool>& readable,
                               Wanted wanted, size_t* count) {
  std::string text;
  *count = 0;
  for (size_t s = 0; s < spans.size(); s++) {
    for (size_t i = spans[s].first_site; i < spans[s].end_site; i++) {
      const SiteChange& site = sites[i];
      const std::vector<uint8_t>& want = wanted == Wanted::kExpected ? site.expected : site.replacement;
      const uint8_t* found = now[s] + OffsetInSpan(spans[s], site);
      if (readable[s] && std::memcmp(found, want.data(), want.size()) == 0) continue;
      if (++*count > 3) continue;
      if (!text.empty()) text += "; ";
      text += Hex(site.address) + (readable[s] ? ": found " + HexBytes(found, want.size()) + ", expected " +
                                                     HexBytes(want.data(), want.size())
                                               : ": unreadable");
    }
  }
  return text;
}

size_t SitesIn(const std::vector<SiteSpan>& spans, size_t span_count) {
  size_t sites = 0;
  for (size_t s = 0; s < span_count; s++) sites += spans[s].end_site - spans[s].first_site;
  return sites;
}

std::string SpanName(const std::vector<SiteChange>& sites, const SiteSpan& span) {
  const size_t count = span.end_site - span.first_site;
  if (count == 1) return "site " + Hex(sites[span.first_site].address);
  return "the " + std::to_string(count) + " sites at " + Hex(span.start) + "-" + Hex(span.end());
}

// Puts each span's `before` back into spans[0, written), last first, reading
// each back. Returns the sites of the spans that could not be restored.
std::vector<uint64_t> RollBack(ProcessMemory& memory, const std::vector<SiteChange>& sites,
                               const std::vector<SiteSpan>& spans, size_t written) {
  std::vector<uint64_t> failed;
  std::vector<uint8_t> check;
  for (size_t s = written; s-- > 0;) {
    const SiteSpan& span = spans[s];
    check.resize(span.before.size());
    if (memory.Write(span.start, span.before.data(), span.before.size()) != 0 ||
        memory.Read(span.start, check.data(), check.size()) != 0 || check != span.before) {
      for (size_t i = span.first_site; i < span.end_site; i++) failed.push_back(sites[i].address);
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
//            48 89 c7 ...       (code between sites: left as it is)
//   site 1:  0f 1f 44 00 00     nopl 0x0(%rax,%rax,1)
//
// After (what the threads execute when they next run):
//
//   site 0:  e8 xx xx xx xx     call <handler@plt>
//            48 89 c7 ...       (the same bytes, rewritten unchanged)
//   site 1:  e8 xx xx xx xx     call <handler@plt>
//
// Order:
//   1. Read every span of sites (site_spans.h: the sites of one page) and
//      compare each site with `expected`. Any difference and nothing is
//      written: someone else (another iprobe, a
//      debugger, a JIT) owns those bytes, or our map of the process is wrong.
//   2. Write each span whole, one pwrite() on /proc/PID/mem per page: the
//      sites' replacements, and between them the bytes read in step 1. No
//      thread executes while we write, and nothing else writes the target's
//      text, so unlike patching running code (where the first bytes must be
//      written last and atomically) spans may be written in any order and
//      width: no fetch can see half of one.
//   3. Read every span back and compare it with what step 2 wrote, gaps
//      included. Text is a private file mapping: the write lands in a
//      copy-on-write copy made for this process, and we trust what we read,
//      not what write() returned.
//   4. Only now does any thread resume (the caller's StoppedProcess::Resume).
//      x86 cross-modifying code (Intel SDM vol. 3A, 8.1.3) is unsafe when
//      another CPU may already have fetched the old bytes. Here no CPU runs
//      the target's code from the moment its last thread stopped until the
//      first resumes; each thread then leaves the kernel through the
//      scheduler and a return to user mode, and fetches the bytes of step 2.
//      Resuming a thread before step 3 is done for every site would break
//      the all-or-nothing promise, so nothing resumes earlier.
//
// A failure in step 2 or 3 rewrites what step 1 read into every span written
// so far, newest first, reading each back, still before anything resumes.
// ---------------------------------------------------------------------------
// Returns the number of writes (spans).
size_t WriteVerifyOrRollBack(ProcessMemory& memory, const std::vector<SiteChange>& sites, pid_t pid) {
  std::vector<SiteSpan> spans = PlanSpans(sites);
  ReadSpans(memory, sites, &spans);
  std::vector<const uint8_t*> now(spans.size());
  std::vector<bool> readable(spans.size());
  for (size_t s = 0; s < spans.size(); s++) {
    now[s] = spans[s].before.data();
    readable[s] = spans[s].readable;
  }
  size_t mismatches = 0;
  std::string mismatch = DescribeMismatches(sites, spans, now, readable, Wanted::kExpected, &mismatches);
  if (mismatches) {
    throw TraceFailure("site-mismatch", std::to_string(mismatches) + " of " + std::to_string(sites.size()) +
                                            " sites do not hold the expected bytes, nothing written (" + mismatch +
                                            ")");
  }

  auto fail = [&](size_t spans_written, const std::string& code, const std::string& what, int err) {
    if (TaskIsDead(pid, pid)) {
      throw TraceFailure("exited", "process " + std::to_string(pid) + " exited while its sites were written", pid);
    }
    std::vector<uint64_t> stuck = RollBack(memory, sites, spans, spans_written);
    if (!stuck.empty()) {
      std::string list;
      for (size_t i = 0; i < stuck.size() && i < 8; i++) list += (i ? ", " : "") + Hex(stuck[i]);
      throw TraceFailure("rollback-failed", what + "; rolling back FAILED for " + std::to_string(stuck.size()) +
                                                " site(s) still holding the replacement bytes: " + list,
                         0, err);
    }
    throw TraceFailure(code, what + "; the " + std::to_string(SitesIn(spans, spans_written)) +
                                 " site(s) written before were restored",
                       0, err);
  };

  for (size_t s = 0; s < spans.size(); s++) {
    if (int err = memory.Write(spans[s].start, spans[s].after.data(), spans[s].after.size())) {
      fail(s, "write-failed", "cannot write " + SpanName(sites, spans[s]) + ": " + std::strerror(err), err);
    }
  }

  std::vector<SiteSpan> reread = spans;
  ReadSpans(memory, sites, &reread);
  for (size_t s = 0; s < spans.size(); s++) {
    now[s] = reread[s].before.data();
    readable[s] = reread[s].readable;
  }
  mismatch = DescribeMismatches(sites, spans, now, readable, Wanted::kReplacement, &mismatches);
  for (size_t s = 0; s < spans.size() && !mismatches; s++) {
    if (reread[s].before != spans[s].after) {
      mismatches = 1;
      mismatch = "bytes between the sites at " + Hex(spans[s].start) + "-" + Hex(spans[s].end()) + " changed";
    }
  }
  if (mismatches) fail(spans.size(), "verify-failed", "read-back differs after writing (" + mismatch + ")", 0);
  return spans.size();
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
    report.writes = WriteVerifyOrRollBack(memory, sites, pid);
    process.Resume();
    report.stop_window_ns = process.stop_window_ns();
  }
  return report;
}

}  // namespace iprobe
