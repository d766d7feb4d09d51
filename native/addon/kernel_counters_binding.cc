// Node-API surface of the kernel counter backend (perf_event_open directly):
// the event table with what can be counted here, validation and read-cost
// calibration of a set, and a counter object that keeps a group running on
// the JavaScript thread between reads. Failures become JavaScript errors
// with the errno in `counterErrno`.
#include <napi.h>

#include <climits>
#include <functional>
#include <memory>

#include "bindings.h"
#include "counter_values_binding.h"
#include "kernel_counters.h"

namespace iprobe {
namespace {

using counters::Counts;
using counters::NamesArg;
using kernel_counters::CounterError;

Napi::Value Guarded(Napi::Env env, const std::function<Napi::Value()>& body) {
  try {
    return body();
  } catch (const CounterError& e) {
    Napi::Error error = Napi::Error::New(env, e.what());
    error.Set("counterErrno", Napi::Number::New(env, e.error()));
    throw error;
  }
}

// kernelEvents(): [{ name, aliases: string[], description, hardware, available, reason? }]
Napi::Value Events(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<kernel_counters::EventDescription> events = kernel_counters::Events();
  Napi::Array out = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) {
    const kernel_counters::EventDescription& e = events[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", e.name);
    Napi::Array aliases = Napi::Array::New(env);
    size_t start = 0;
    while (start < e.aliases.size()) {
      size_t end = e.aliases.find('|', start);
      if (end == std::string::npos) end = e.aliases.size();
      aliases.Set(aliases.Length(), "perf::" + e.aliases.substr(start, end - start));
      start = end + 1;
    }
    o.Set("aliases", aliases);
    o.Set("description", e.description);
    o.Set("hardware", e.hardware);
    o.Set("available", e.available);
    if (!e.available) o.Set("reason", e.reason);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value ValidateEventSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<std::string> names = NamesArg(info, "kernelValidateEventSet(names: string[])");
  return counters::SetCheckValue(env, kernel_counters::ValidateEventSet(names));
}

Napi::Value CalibrateReadCost(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "kernelCalibrateReadCost(names: string[], iterations: number)";
  const std::vector<std::string> names = NamesArg(info, usage);
  const int iterations = counters::IterationsArg(info, usage);
  return Guarded(env, [&]() -> Napi::Value {
    return counters::ReadCostValue(env, kernel_counters::CalibrateReadCost(names, iterations));
  });
}

// kernelParanoid(): perf_event_paranoid, or null when unreadable
Napi::Value Paranoid(const Napi::CallbackInfo& info) {
  const int value = kernel_counters::Paranoid();
  return value == INT_MIN ? info.Env().Null() : Napi::Number::New(info.Env(), value);
}

// new KernelCounter(names): a started group counting the constructing
// thread; read() and stop() return one count per name.
class KernelCounter : public Napi::ObjectWrap<KernelCounter> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "KernelCounter",
                       {InstanceMethod("read", &KernelCounter::Read), InstanceMethod("stop", &KernelCounter::Stop)});
  }

  explicit KernelCounter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KernelCounter>(info) {
    const std::vector<std::string> names = NamesArg(info, "new KernelCounter(names: string[])");
    Guarded(info.Env(), [&] {
      group_ = std::make_unique<kernel_counters::EventGroup>(names);
      return info.Env().Undefined();
    });
  }

 private:
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!group_->running()) throw Napi::Error::New(env, "KernelCounter: already stopped");
    return Guarded(env, [&]() -> Napi::Value {
      std::vector<long long> values(static_cast<size_t>(group_->size()));
      group_->Read(values.data());
      return Counts(env, values);
    });
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!group_->running()) throw Napi::Error::New(env, "KernelCounter: already stopped");
    return Guarded(env, [&]() -> Napi::Value { return Counts(env, group_->Stop()); });
  }

  std::unique_ptr<kernel_counters::EventGroup> group_;
};

}  // namespace

void RegisterKernelCounters(Napi::Env env, Napi::Object exports) {
  exports.Set("kernelEvents", Napi::Function::New(env, Events, "kernelEvents"));
  exports.Set("kernelValidateEventSet", Napi::Function::New(env, ValidateEventSet, "kernelValidateEventSet"));
  exports.Set("kernelCalibrateReadCost", Napi::Function::New(env, CalibrateReadCost, "kernelCalibrateReadCost"));
  exports.Set("kernelParanoid", Napi::Function::New(env, Paranoid, "kernelParanoid"));
  exports.Set("KernelCounter", KernelCounter::Define(env));
}

}  // namespace iprobe
