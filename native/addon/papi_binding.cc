// Node-API surface of the PAPI concern: library facts, the event catalogue,
// validation and read-cost calibration of an event set, and a counter object
// that keeps an event set running on the JavaScript thread between reads.
// PAPI failures become JavaScript errors carrying PAPI's text and code.
#include <napi.h>

#include <functional>
#include <memory>

#include "bindings.h"
#include "papi_event_set.h"
#include "papi_events.h"
#include "papi_library.h"

namespace iprobe {
namespace {

using papi::PapiError;

Napi::Value Guarded(Napi::Env env, const std::function<Napi::Value()>& body) {
  try {
    return body();
  } catch (const PapiError& e) {
    Napi::Error error = Napi::Error::New(env, e.what());
    error.Set("papiCode", Napi::Number::New(env, e.code()));
    throw error;
  }
}

std::vector<std::string> NamesArg(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), usage);
  Napi::Array array = info[0].As<Napi::Array>();
  std::vector<std::string> names;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value v = array.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(info.Env(), std::string(usage) + ": names must be strings");
    names.push_back(v.As<Napi::String>().Utf8Value());
  }
  return names;
}

Napi::Array Counts(Napi::Env env, const std::vector<long long>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) {
    out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(values[i])));
  }
  return out;
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&] {
    const papi::LibraryVersion v = papi::RuntimeVersion();
    Napi::Object o = Napi::Object::New(env);
    o.Set("major", v.major);
    o.Set("minor", v.minor);
    o.Set("revision", v.revision);
    o.Set("increment", v.increment);
    o.Set("text", v.text);
    return o;
  });
}

Napi::Value Hardware(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&] {
    const papi::HardwareInfo hw = papi::Hardware();
    Napi::Object o = Napi::Object::New(env);
    o.Set("vendor", hw.vendor);
    o.Set("model", hw.model);
    o.Set("cpus", hw.cpus);
    o.Set("virtualized", hw.virtualized);
    o.Set("virtualVendor", hw.virtual_vendor);
    return o;
  });
}

Napi::Value Components(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&] {
    const std::vector<papi::ComponentInfo> components = papi::Components();
    Napi::Array out = Napi::Array::New(env, components.size());
    for (size_t i = 0; i < components.size(); i++) {
      const papi::ComponentInfo& c = components[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("index", c.index);
      o.Set("name", c.name);
      o.Set("description", c.description);
      o.Set("disabled", c.disabled);
      if (c.disabled) o.Set("disabledReason", c.disabled_reason);
      o.Set("counters", c.counters);
      o.Set("nativeEvents", c.native_events);
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  });
}

Napi::Array Events(Napi::Env env, const std::vector<papi::EventDescription>& events) {
  Napi::Array out = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) {
    const papi::EventDescription& e = events[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", e.name);
    o.Set("description", e.description);
    o.Set("component", e.component);
    o.Set("derived", e.derived);
    o.Set("available", e.available);
    if (!e.available) o.Set("reason", e.reason);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value Presets(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value { return Events(info.Env(), papi::Presets()); });
}

Napi::Value NativeEvents(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value { return Events(info.Env(), papi::NativeEvents()); });
}

// validateEventSet(names): { ok, error?, events: [{ name, ok, error? }], values }
Napi::Value ValidateEventSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<std::string> names = NamesArg(info, "validateEventSet(names: string[])");
  return Guarded(env, [&] {
    const papi::SetCheck check = papi::ValidateEventSet(names);
    Napi::Array events = Napi::Array::New(env, check.events.size());
    for (size_t i = 0; i < check.events.size(); i++) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("name", check.events[i].name);
      e.Set("ok", check.events[i].error.empty());
      if (!check.events[i].error.empty()) e.Set("error", check.events[i].error);
      events.Set(static_cast<uint32_t>(i), e);
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("ok", check.ok());
    if (!check.error.empty()) o.Set("error", check.error);
    o.Set("events", events);
    o.Set("values", Counts(env, check.values));
    return o;
  });
}

// calibrateReadCost(names, iterations): { medianNs, p90Ns, minNs, timerOverheadNs, iterations }
Napi::Value CalibrateReadCost(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "calibrateReadCost(names: string[], iterations: number)";
  const std::vector<std::string> names = NamesArg(info, usage);
  if (info.Length() < 2 || !info[1].IsNumber() || info[1].As<Napi::Number>().Int32Value() < 1) {
    throw Napi::TypeError::New(env, std::string(usage) + ": iterations must be a positive integer");
  }
  const int iterations = info[1].As<Napi::Number>().Int32Value();
  return Guarded(env, [&] {
    const papi::ReadCost cost = papi::CalibrateReadCost(names, iterations);
    Napi::Object o = Napi::Object::New(env);
    o.Set("medianNs", cost.median_ns);
    o.Set("p90Ns", cost.p90_ns);
    o.Set("minNs", cost.min_ns);
    o.Set("timerOverheadNs", cost.timer_overhead_ns);
    o.Set("iterations", cost.iterations);
    return o;
  });
}

// new PapiCounter(names): a started event set that counts the constructing
// thread; read() and stop() return one count per name.
class PapiCounter : public Napi::ObjectWrap<PapiCounter> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PapiCounter",
                       {InstanceMethod("read", &PapiCounter::Read), InstanceMethod("stop", &PapiCounter::Stop)});
  }

  explicit PapiCounter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PapiCounter>(info) {
    const std::vector<std::string> names = NamesArg(info, "new PapiCounter(names: string[])");
    Guarded(info.Env(), [&] {
      auto set = std::make_unique<papi::EventSet>();
      for (const std::string& name : names) set->AddNamed(name);
      set->Start();
      set_ = std::move(set);
      return info.Env().Undefined();
    });
  }

 private:
  Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!set_->running()) throw Napi::Error::New(env, "PapiCounter: already stopped");
    return Guarded(env, [&]() -> Napi::Value {
      std::vector<long long> values(static_cast<size_t>(set_->size()));
      set_->Read(values.data());
      return Counts(env, values);
    });
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!set_->running()) throw Napi::Error::New(env, "PapiCounter: already stopped");
    return Guarded(env, [&]() -> Napi::Value { return Counts(env, set_->Stop()); });
  }

  std::unique_ptr<papi::EventSet> set_;
};

}  // namespace

void RegisterPapi(Napi::Env env, Napi::Object exports) {
  exports.Set("papiVersion", Napi::Function::New(env, Version, "papiVersion"));
  exports.Set("papiHardware", Napi::Function::New(env, Hardware, "papiHardware"));
  exports.Set("papiComponents", Napi::Function::New(env, Components, "papiComponents"));
  exports.Set("papiPresets", Napi::Function::New(env, Presets, "papiPresets"));
  exports.Set("papiNativeEvents", Napi::Function::New(env, NativeEvents, "papiNativeEvents"));
  exports.Set("papiValidateEventSet", Napi::Function::New(env, ValidateEventSet, "papiValidateEventSet"));
  exports.Set("papiCalibrateReadCost", Napi::Function::New(env, CalibrateReadCost, "papiCalibrateReadCost"));
  exports.Set("PapiCounter", PapiCounter::Define(env));
}

}  // namespace iprobe
