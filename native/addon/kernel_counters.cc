#include "kernel_counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <unordered_set>

#include "kernel_events.h"

namespace iprobe::kernel_counters {
namespace {

constexpr size_t kErrorSize = 256;

iprobe_kernel_event_spec Parse(const std::string& name) {
  iprobe_kernel_event_spec spec;
  char error[kErrorSize];
  if (iprobe_kernel_event_parse(name.c_str(), &spec, error, sizeof error) != 0) throw CounterError::Message(error, ENOENT);
  return spec;
}

int OpenEvent(const iprobe_kernel_event_spec& spec, int group) {
  perf_event_attr attr;
  iprobe_kernel_event_attr(&spec, group < 0, &attr);
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, group, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

CounterError::CounterError(const std::string& what, int error)
    : std::runtime_error(what + ": " + ErrorText(error)), error_(error) {}

std::string ErrorText(int error) {
  std::string text = strerror(error);
  switch (error) {
    case EACCES:
    case EPERM:
      return text + " (perf_event_paranoid is " + std::to_string(Paranoid()) +
             "; counting another domain than user needs a lower value or CAP_PERFMON)";
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
      return text + " (no PMU counts this event here)";
    case EMFILE:
      return text + " (out of file descriptors)";
    default:
      return text;
  }
}

int Paranoid() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  int value = INT_MIN;
  if (!(in >> value)) return INT_MIN;
  return value;
}

EventGroup::EventGroup(const std::vector<std::string>& names) {
  if (names.empty()) throw CounterError::Message("no events given", EINVAL);
  if (names.size() > kMaxEvents) {
    throw CounterError::Message("at most " + std::to_string(kMaxEvents) + " events can be counted together", E2BIG);
  }
  for (const std::string& name : names) {
    const iprobe_kernel_event_spec spec = Parse(name);
    const int fd = OpenEvent(spec, fds_.empty() ? -1 : fds_[0]);
    if (fd < 0) {
      const int error = errno;
      Close();
      throw CounterError(name, error);
    }
    fds_.push_back(fd);
  }
  if (ioctl(fds_[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) != 0) {
    const int error = errno;
    Close();
    throw CounterError("PERF_EVENT_IOC_ENABLE", error);
  }
}

EventGroup::~EventGroup() { Close(); }

void EventGroup::Close() {
  for (size_t i = fds_.size(); i-- > 0;) close(fds_[i]);
  fds_.clear();
}

void EventGroup::Read(long long* values) {
  uint64_t buffer[1 + kMaxEvents];
  const ssize_t n = read(fds_[0], buffer, sizeof buffer);
  if (n < 0) throw CounterError("read", errno);
  if (static_cast<size_t>(n) < sizeof(uint64_t) * (1 + fds_.size()) || buffer[0] != fds_.size()) {
    throw CounterError("read", EIO);
  }
  for (size_t e = 0; e < fds_.size(); e++) values[e] = static_cast<long long>(buffer[1 + e]);
}

std::vector<long long> EventGroup::Stop() {
  std::vector<long long> values(fds_.size());
  Read(values.data());
  Close();
  return values;
}

std::vector<EventDescription> Events() {
  std::vector<EventDescription> out;
  for (size_t i = 0; i < iprobe_kernel_event_count; i++) {
    const iprobe_kernel_event& e = iprobe_kernel_events[i];
    EventDescription d;
    d.name = e.name;
    d.aliases = e.aliases;
    d.description = e.description;
    d.hardware = e.type != PERF_TYPE_SOFTWARE;
    try {
      EventGroup group({e.name});
      group.Stop();
      d.available = true;
    } catch (const CounterError& error) {
      d.reason = ErrorText(error.error());
    }
    out.push_back(std::move(d));
  }
  return out;
}

counters::SetCheck ValidateEventSet(const std::vector<std::string>& names) {
  counters::SetCheck check;
  if (names.empty()) {
    check.error = "no events given";
    return check;
  }
  // Each name parsed and opened alone first, so that every bad one is named.
  std::unordered_set<std::string> seen;
  for (const std::string& name : names) {
    counters::EventCheck& e = check.events.emplace_back(counters::EventCheck{name, ""});
    iprobe_kernel_event_spec spec;
    char error[kErrorSize];
    if (!seen.insert(name).second) {
      e.error = "listed twice";
    } else if (iprobe_kernel_event_parse(name.c_str(), &spec, error, sizeof error) != 0) {
      const std::string text = error, prefix = name + ": ";
      e.error = text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
    } else {
      try {
        EventGroup alone({name});
      } catch (const CounterError& failure) {
        e.error = ErrorText(failure.error());
      }
    }
  }
  const std::string failures = counters::JoinFailures(check.events);
  if (!failures.empty()) {
    check.error = "not started: " + failures;
    return check;
  }
  try {  // the group, as the target opens it: too many events, or a PMU that cannot hold them all, fail here
    EventGroup group(names);
    std::vector<long long> values(names.size());
    group.Read(values.data());
    check.values = group.Stop();
  } catch (const CounterError& e) {
    check.error = e.what();
  }
  return check;
}

counters::ReadCost CalibrateReadCost(const std::vector<std::string>& names, int iterations) {
  EventGroup group(names);
  std::vector<long long> values(names.size());
  return counters::MeasureReadCost([&] { group.Read(values.data()); }, iterations);
}

}  // namespace iprobe::kernel_counters
