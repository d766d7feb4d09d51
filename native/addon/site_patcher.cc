#include "site_patcher.h"

#include <errno.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "proc_task.h"
#include "process_memory.h"
#include "site_spans.h"
#include "trace_failure.h"

namespace iprobe {
namespace {

// Moving a thread out of a site or zone: it runs alone for kFirstRun of CPU
// time, then twice as long each round up to kLongestRun, and is stopped
// again after each. Where an interrupt stops a thread is not uniform over
// the instructions: in the test's loop of five 1-byte nops and a jmp it
// landed inside the nops again 12-23 rounds in a row, once all 256
// (measured here, AMD EPYC guest), which is why NOPs are skipped instead
// (SkipTrailingNops). A thread in straight-line code leaves in the first
// round. A thread blocked in a zone costs little per round (it is not
// runnable, so each round ends at once).
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
// The canonical NOP encodings (Intel SDM vol. 2B, NOP; what gcc and gas pad
// with), longest first.
const std::vector<std::vector<uint8_t>>& NopEncodings() {
  static const std::vector<std::vector<uint8_t>> nops = {
      {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
      {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
      {0x0f, 0x1f, 0x44, 0x00, 0x00},
      {0x0f, 0x1f, 0x40, 0x00},
      {0x0f, 0x1f, 0x00},
      {0x66, 0x90},
      {0x90},
  };
  return nops;
}

// A thread whose pc lies inside a site, on a run of NOPs that reaches the
// site's end (a patchable entry's or a spinner's `90 90 90 90 90`), is moved
// to the end by setting its pc: exactly what executing those NOPs would do.
// Running it instead may never get it out (an interrupt of a tight loop
// lands on the same NOP again and again), and nothing is left behind if the
// tracer dies now (no trap flag, no breakpoint). Reads the bytes there now,
// not the site's `expected`: if they differ the write step refuses anyway,
// and the pc must only move over what really is a NOP.
//
//   before: rip = site+1     site: 90 [90] 90 90 90   (next: jmp back)
//   after:  rip = site+5     the bytes are not touched
bool SkipTrailingNops(ProcessMemory& memory, StoppedProcess& process, TracedThread& thread, const SiteChange& site) {
  const uint64_t pc = thread.regs.rip;
  const uint64_t end = site.address + site.expected.size();
  std::vector<uint8_t> bytes(static_cast<size_t>(end - pc));
  if (memory.Read(pc, bytes.data(), bytes.size()) != 0) return false;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t matched = 0;
    for (const std::vector<uint8_t>& nop : NopEncodings()) {
      if (nop.size() <= bytes.size() - at && std::memcmp(bytes.data() + at, nop.data(), nop.size()) == 0) {
        matched = nop.size();
        break;
      }
    }
    if (!matched) return false;
    at += matched;
  }
  user_regs_struct regs = thread.regs;
  regs.rip = end;
  process.WriteRegisters(thread, regs);
  thread.regs = regs;
  return true;
}

size_t MoveThreadsOut(ProcessMemory& memory, StoppedProcess& process, const std::vector<SiteChange>& sites,
                      const std::vector<NoStopZone>& zones, size_t* nop_skips) {
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
        moved = true;
        if (resume_pc == pc) {
          const SiteChange* site = SiteStrictlyContaining(sites, pc);
          if (site && SkipTrailingNops(memory, process, *thread, *site)) {
            ++*nop_skips;
            continue;
          }
        }
        restops++;
        if (!process.RunBriefly(*thread, run_for)) break;  // it exited
        run_for = std::min(run_for * 2, kLongestRun);
      }
    }
  }
  return restops;
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
    report.restops = MoveThreadsOut(memory, process, sites, zones, &report.nop_skips);
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
