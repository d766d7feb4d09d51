// PAPI event sets: an owning wrapper, the one-shot validation of a set of
// event names (create, add each, start, read, stop), and the measured cost
// of one PAPI_read. An event set counts the thread that created it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "counter_checks.h"

namespace iprobe::papi {

class EventSet {
 public:
  EventSet();  // throws PapiError
  ~EventSet();
  EventSet(const EventSet&) = delete;
  EventSet& operator=(const EventSet&) = delete;

  // Returns PAPI's code (PAPI_OK on success) so that callers can go on adding.
  int Add(int event_code);
  // Throws PapiError naming the event when it cannot be added.
  void AddNamed(const std::string& name);
  void Start();
  void Read(long long* values);  // size() values
  std::vector<long long> Stop();

  int handle() const { return handle_; }
  int size() const { return size_; }
  bool running() const { return running_; }

 private:
  int handle_;
  int size_ = 0;
  bool running_ = false;
};

// PAPI's error for an event counted alone, or "" when it can be counted.
std::string ProbeAlone(int event_code);

using counters::EventCheck;
using counters::SetCheck;

SetCheck ValidateEventSet(const std::vector<std::string>& names);

// "" when a perf_event set can be attached to another thread of this process
// (PAPI_attach), else PAPI's reason. FPerf's runtime makes every thread's set
// from its control thread by attaching it, and PAPI's perf_event component
// checks an attach by opening a hardware instructions event: without a PMU
// (most VMs) it fails even for software events.
std::string AttachCheck();

using counters::ReadCost;

// Times `iterations` PAPI_read calls of a started set of `names` (after a
// warm-up); throws PapiError when the set cannot be counted.
ReadCost CalibrateReadCost(const std::vector<std::string>& names, int iterations);

}  // namespace iprobe::papi
