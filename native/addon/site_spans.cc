#include "site_spans.h"

#include <cstring>

namespace iprobe {

std::vector<SiteSpan> PlanSpans(const std::vector<SiteChange>& sites) {
  std::vector<SiteSpan> spans;
  for (size_t i = 0; i < sites.size(); i++) {
    const SiteChange& site = sites[i];
    const uint64_t site_end = site.address + site.expected.size();
    const bool joins = !spans.empty() && (site_end - 1) / kSpanPage == spans.back().start / kSpanPage;
    if (!joins) {
      SiteSpan span;
      span.start = site.address;
      span.first_site = i;
      spans.push_back(std::move(span));
    }
    spans.back().end_site = i + 1;
    spans.back().before.resize(static_cast<size_t>(site_end - spans.back().start));
  }
  return spans;
}

void ReadSpans(ProcessMemory& memory, const std::vector<SiteChange>& sites, std::vector<SiteSpan>* spans) {
  std::vector<MemoryRange> ranges;
  size_t total = 0;
  ranges.reserve(spans->size());
  for (const SiteSpan& span : *spans) {
    ranges.push_back({span.start, static_cast<uint32_t>(span.before.size())});
    total += span.before.size();
  }
  std::vector<uint8_t> bytes(total);
  std::vector<bool> readable;
  memory.ReadMany(ranges, bytes.data(), &readable);
  size_t offset = 0;
  for (size_t s = 0; s < spans->size(); s++) {
    SiteSpan& span = (*spans)[s];
    std::memcpy(span.before.data(), bytes.data() + offset, span.before.size());
    offset += span.before.size();
    span.readable = readable[s];
    span.after = span.before;
    for (size_t i = span.first_site; i < span.end_site; i++) {
      const SiteChange& site = sites[i];
      std::memcpy(span.after.data() + OffsetInSpan(span, site), site.replacement.data(), site.replacement.size());
    }
  }
}

}  // namespace iprobe
