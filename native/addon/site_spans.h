// Sites grouped into spans of nearby bytes, so that an operation switching
// thousands of sites writes each text page with one pwrite() instead of one
// per site. Each /proc/PID/mem write walks the target's page tables and
// copies (on the first write, also un-shares) a page: 10,000 single-site
// writes made a 20 ms stop window; one write per page keeps it to a few ms.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "process_memory.h"
#include "site_patcher.h"

namespace iprobe {

struct SiteSpan {
  uint64_t start = 0;
  size_t first_site = 0;  // sites[first_site, end_site) lie inside the span
  size_t end_site = 0;
  bool readable = false;
  std::vector<uint8_t> before;  // the span as read in the stop, gaps between sites included
  std::vector<uint8_t> after;   // `before` with every site's replacement laid over it

  uint64_t end() const { return start + before.size(); }
};

// A span stays inside one 4 KiB page (a site that straddles two pages is a
// span of its own, as every site used to be). A write to /proc/PID/mem within
// one page is done whole or not at all, so a failed write leaves nothing to
// undo in its own span, and no page without a site is ever rewritten
// (rewriting un-shares a page of text from other processes).
constexpr uint64_t kSpanPage = 4096;

// `sites` sorted by address and disjoint (ValidateSites). Only the layout is
// planned; ReadSpans fills the bytes.
std::vector<SiteSpan> PlanSpans(const std::vector<SiteChange>& sites);

// Reads every span (batched; a span that cannot be read is marked so) and
// lays each site's replacement over a copy of it.
void ReadSpans(ProcessMemory& memory, const std::vector<SiteChange>& sites, std::vector<SiteSpan>* spans);

// Where site `index` of `span` starts inside the span's buffers.
inline size_t OffsetInSpan(const SiteSpan& span, const SiteChange& site) {
  return static_cast<size_t>(site.address - span.start);
}

}  // namespace iprobe
