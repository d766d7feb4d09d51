#include "counter_values_binding.h"

namespace iprobe::counters {

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

int IterationsArg(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() < 2 || !info[1].IsNumber() || info[1].As<Napi::Number>().Int32Value() < 1) {
    throw Napi::TypeError::New(info.Env(), std::string(usage) + ": iterations must be a positive integer");
  }
  return info[1].As<Napi::Number>().Int32Value();
}

Napi::Array Counts(Napi::Env env, const std::vector<long long>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) {
    out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(values[i])));
  }
  return out;
}

Napi::Object SetCheckValue(Napi::Env env, const SetCheck& check) {
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
}

Napi::Object ReadCostValue(Napi::Env env, const ReadCost& cost) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("medianNs", cost.median_ns);
  o.Set("p90Ns", cost.p90_ns);
  o.Set("minNs", cost.min_ns);
  o.Set("timerOverheadNs", cost.timer_overhead_ns);
  o.Set("iterations", cost.iterations);
  return o;
}

}  // namespace iprobe::counters
