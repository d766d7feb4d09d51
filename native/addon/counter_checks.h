// What both counter backends (PAPI, and perf_event_open directly) report
// about an event set: the validation of a set of names and the measured
// cost of one read. One shape, so that the bindings and the TypeScript side
// treat the backends alike.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace iprobe::counters {

struct EventCheck {
  std::string name;
  std::string error;  // "" when the event was added
};

struct SetCheck {
  std::vector<EventCheck> events;
  std::string error;  // why the set as a whole did not start, read or stop
  std::vector<long long> values;  // counted between start and stop, when ok()
  bool ok() const;
};

// "A: error; B: error" of the events that failed.
std::string JoinFailures(const std::vector<EventCheck>& events);

struct ReadCost {
  double median_ns = 0;  // timer overhead subtracted
  double p90_ns = 0;
  double min_ns = 0;
  double timer_overhead_ns = 0;  // median of an empty timed interval
  int iterations = 0;
};

// Times `iterations` calls of `read_once` (after `warmup` untimed ones),
// each between two CLOCK_MONOTONIC reads, less the median of an empty
// interval. `read_once` throws to stop the measurement.
ReadCost MeasureReadCost(const std::function<void()>& read_once, int iterations, int warmup = 100);

}  // namespace iprobe::counters
