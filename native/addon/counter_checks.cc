#include "counter_checks.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace iprobe::counters {
namespace {

int64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

double Percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<size_t>(p * static_cast<double>(samples.size() - 1))];
}

}  // namespace

bool SetCheck::ok() const {
  if (!error.empty() || events.empty()) return false;
  return std::all_of(events.begin(), events.end(), [](const EventCheck& e) { return e.error.empty(); });
}

std::string JoinFailures(const std::vector<EventCheck>& events) {
  std::string out;
  for (const EventCheck& e : events) {
    if (e.error.empty()) continue;
    out += (out.empty() ? "" : "; ") + e.name + ": " + e.error;
  }
  return out;
}

ReadCost MeasureReadCost(const std::function<void()>& read_once, int iterations, int warmup) {
  if (iterations < 1) throw std::invalid_argument("iterations must be at least 1");
  for (int i = 0; i < warmup; i++) read_once();
  std::vector<double> reads(static_cast<size_t>(iterations));
  std::vector<double> empty(static_cast<size_t>(iterations));
  for (int i = 0; i < iterations; i++) {
    const int64_t t0 = NowNs();
    read_once();
    const int64_t t1 = NowNs();
    reads[static_cast<size_t>(i)] = static_cast<double>(t1 - t0);
    const int64_t t2 = NowNs();
    empty[static_cast<size_t>(i)] = static_cast<double>(NowNs() - t2);
  }
  ReadCost cost;
  cost.iterations = iterations;
  cost.timer_overhead_ns = Percentile(empty, 0.5);
  cost.median_ns = std::max(0.0, Percentile(reads, 0.5) - cost.timer_overhead_ns);
  cost.p90_ns = std::max(0.0, Percentile(reads, 0.9) - cost.timer_overhead_ns);
  cost.min_ns = std::max(0.0, Percentile(reads, 0.0) - cost.timer_overhead_ns);
  return cost;
}

}  // namespace iprobe::counters
