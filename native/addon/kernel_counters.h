// FPerf's second counter backend in the iprobe process: the kernel's generic
// events (native/shared/kernel_events.h) opened with perf_event_open(2)
// itself, for the machines where PAPI cannot count them (libpfm4 knowing no
// PMU for the CPU disables PAPI's whole perf_event component). The same
// three services as the PAPI side: what can be counted here, the validation
// of a set, the cost of one read; plus a counter object. A set counts the
// thread that opened it.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "counter_checks.h"

namespace iprobe::kernel_counters {

// Events in one group: the runtime's limit (IPROBE_FPERF_MAX_EVENTS).
constexpr size_t kMaxEvents = 8;

// A failed open or read: `what()` reads "<event or call>: <errno text>".
class CounterError : public std::runtime_error {
 public:
  CounterError(const std::string& what, int error);
  // A message that says it all (a name that does not parse).
  static CounterError Message(const std::string& message, int error) { return CounterError(message, error, true); }
  int error() const { return error_; }

 private:
  CounterError(const std::string& message, int error, bool) : std::runtime_error(message), error_(error) {}
  int error_;
};

// The errno text, with what the error means for a perf event (EACCES and
// perf_event_paranoid, ENOENT and a missing PMU, ...).
std::string ErrorText(int error);

// A started group of events counting the calling thread.
class EventGroup {
 public:
  // Throws CounterError naming the first event that cannot be parsed or opened.
  explicit EventGroup(const std::vector<std::string>& names);
  ~EventGroup();
  EventGroup(const EventGroup&) = delete;
  EventGroup& operator=(const EventGroup&) = delete;

  void Read(long long* values);  // size() values; throws CounterError
  std::vector<long long> Stop();  // the last values; the group is closed
  int size() const { return static_cast<int>(fds_.size()); }
  bool running() const { return !fds_.empty(); }

 private:
  void Close();
  std::vector<int> fds_;  // fds_[0] leads
};

struct EventDescription {
  std::string name;
  std::string aliases;  // '|'-separated
  std::string description;
  bool hardware = false;  // needs a PMU (cycles, instructions, caches)
  bool available = false;  // opened, enabled and read alone, here
  std::string reason;  // why not, when !available
};

// Every event of the table, each probed alone.
std::vector<EventDescription> Events();

counters::SetCheck ValidateEventSet(const std::vector<std::string>& names);
counters::ReadCost CalibrateReadCost(const std::vector<std::string>& names, int iterations);

// /proc/sys/kernel/perf_event_paranoid, or INT32_MIN when unreadable.
int Paranoid();

}  // namespace iprobe::kernel_counters
