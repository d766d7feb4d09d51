// Node-API surface of the PAPI concern: library facts, the event catalogue,
// validation and read-cost calibration of an event set, and a counter object
// that keeps an event set running on the JavaScript thread between reads.
// PAPI failures become JavaScript errors carrying PAPI's text and code.
#include <napi.h>

#include <functional>
#include <memory>

#include "bindings.h"
#include "counter_values_binding.h"
#include "papi_event_set.h"
#include "papi_events.h"
#include "papi_library.h"

namespace iprobe {
namespace {

using counters::Counts;
using counters::IterationsArg;
using counters::NamesArg;
using counters::ReadCostValue;
using counters::SetCheckValue;
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
  return Guarded(env, [&]() -> Napi::Value { return SetCheckValue(env, papi::ValidateEventSet(names)); });
}

// papiAttachCheck(): "" when PAPI can attach a set to another thread, else why not.
Napi::Value AttachCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guarded(env, [&]() -> Napi::Value { return Napi::String::New(env, papi::AttachCheck()); });
}

// calibrateReadCost(names, iterations): { medianNs, p90Ns, minNs, timerOverheadNs, iterations }
Napi::Value CalibrateReadCost(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "calibrateReadCost(names: string[], iterations: number)";
  const std::vector<std::string> names = NamesArg(info, usage);
  const int iterations = IterationsArg(info, usage);
  return Guarded(env, [&]() -> Napi::Value { return ReadCostValue(env, papi::CalibrateReadCost(names, iterations)); });
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
  exports.Set("papiAttachCheck", Napi::Function::New(env, AttachCheck, "papiAttachCheck"));
  exports.Set("papiCalibrateReadCost", Napi::Function::New(env, CalibrateReadCost, "papiCalibrateReadCost"));
  exports.Set("PapiCounter", PapiCounter::Define(env));
}

}  // namespace iprobe
