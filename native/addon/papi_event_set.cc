#include "papi_event_set.h"

#include <papi.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "papi_library.h"

namespace iprobe::papi {

EventSet::EventSet() : handle_(PAPI_NULL) {
  EnsureInitialized();
  const int rc = PAPI_create_eventset(&handle_);
  if (rc != PAPI_OK) throw PapiError("PAPI_create_eventset", rc);
}

EventSet::~EventSet() {
  if (running_) {
    std::vector<long long> ignored(static_cast<size_t>(size_));
    PAPI_stop(handle_, ignored.data());
  }
  PAPI_cleanup_eventset(handle_);
  PAPI_destroy_eventset(&handle_);
}

int EventSet::Add(int event_code) {
  const int rc = PAPI_add_event(handle_, event_code);
  if (rc == PAPI_OK) size_++;
  return rc;
}

void EventSet::AddNamed(const std::string& name) {
  int code = 0;
  int rc = PAPI_event_name_to_code(name.c_str(), &code);
  if (rc != PAPI_OK) throw PapiError(name, PAPI_ENOEVNT);
  rc = Add(code);
  if (rc != PAPI_OK) throw PapiError(name, rc);
}

void EventSet::Start() {
  const int rc = PAPI_start(handle_);
  if (rc != PAPI_OK) throw PapiError("PAPI_start", rc);
  running_ = true;
}

void EventSet::Read(long long* values) {
  const int rc = PAPI_read(handle_, values);
  if (rc != PAPI_OK) throw PapiError("PAPI_read", rc);
}

std::vector<long long> EventSet::Stop() {
  std::vector<long long> values(static_cast<size_t>(size_));
  const int rc = PAPI_stop(handle_, values.data());
  if (rc != PAPI_OK) throw PapiError("PAPI_stop", rc);
  running_ = false;
  return values;
}

std::string AttachCheck() {
  EnsureInitialized();
  const int component = PAPI_get_component_index("perf_event");
  if (component < 0) return ErrorText(component);
  // A thread that only waits, to attach to as the runtime's control thread does.
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::atomic<pid_t> tid{0};
  std::thread other([&] {
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return finished; });
  });
  while (tid.load() == 0) std::this_thread::yield();
  std::string error;
  {
    EventSet set;
    int rc = PAPI_assign_eventset_component(set.handle(), component);
    if (rc == PAPI_OK) rc = PAPI_attach(set.handle(), static_cast<unsigned long>(tid.load()));
    if (rc != PAPI_OK) error = "PAPI_attach: " + ErrorText(rc);
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    finished = true;
  }
  done.notify_one();
  other.join();
  return error;
}

std::string ProbeAlone(int event_code) {
  EventSet set;
  const int rc = set.Add(event_code);
  if (rc != PAPI_OK) return ErrorText(rc);
  // Some events are accepted by PAPI_add_event and refused by the kernel only
  // when perf_event_open runs, i.e. at start.
  try {
    set.Start();
    set.Stop();
  } catch (const PapiError& e) {
    return e.what();
  }
  return "";
}

SetCheck ValidateEventSet(const std::vector<std::string>& names) {
  SetCheck check;
  if (names.empty()) {
    check.error = "no events given";
    return check;
  }
  EventSet set;
  std::unordered_set<std::string> seen;
  for (const std::string& name : names) {
    EventCheck& e = check.events.emplace_back(EventCheck{name, ""});
    int code = 0;
    // PAPI answers an unknown name with "Not supported by component", which
    // reads as if the event existed elsewhere; say what happened instead.
    if (!seen.insert(name).second) {
      e.error = "listed twice";
    } else if (PAPI_event_name_to_code(name.c_str(), &code) != PAPI_OK) {
      e.error = "no such event";
    } else if (const int rc = set.Add(code); rc != PAPI_OK) {
      e.error = ErrorText(rc);
    }
  }
  const std::string failures = counters::JoinFailures(check.events);
  if (!failures.empty()) {
    check.error = "not started: " + failures;
    return check;
  }
  try {
    std::vector<long long> values(static_cast<size_t>(set.size()));
    set.Start();
    set.Read(values.data());
    check.values = set.Stop();
  } catch (const PapiError& e) {
    check.error = e.what();
  }
  return check;
}

ReadCost CalibrateReadCost(const std::vector<std::string>& names, int iterations) {
  EventSet set;
  for (const std::string& name : names) set.AddNamed(name);
  std::vector<long long> values(static_cast<size_t>(set.size()));
  set.Start();
  const int handle = set.handle();
  const ReadCost cost = counters::MeasureReadCost(
      [&] {
        const int rc = PAPI_read(handle, values.data());
        if (rc != PAPI_OK) throw PapiError("PAPI_read", rc);
      },
      iterations);
  set.Stop();
  return cost;
}

}  // namespace iprobe::papi
