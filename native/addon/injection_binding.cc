// Node-API surface of library injection and of the bare remote call. Both
// run on the tracer thread (tracer_jobs.h) and settle a promise.
#include <napi.h>

#include <chrono>
#include <cmath>
#include <string>

#include "bindings.h"
#include "library_injector.h"
#include "tracer_jobs.h"

namespace iprobe {
namespace {

pid_t PidOf(const Napi::Value& v, const char* what) {
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || d > 4194304 || std::floor(d) != d) throw Napi::RangeError::New(v.Env(), std::string(what) + " out of range");
  return static_cast<pid_t>(d);
}

uint64_t AddressOf(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBigInt()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a bigint");
  bool lossless = true;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

std::chrono::milliseconds MillisecondsOf(const Napi::Object& o, const char* key, long fallback) {
  Napi::Value v = o.Get(key);
  return std::chrono::milliseconds(v.IsNumber() ? static_cast<long>(v.As<Napi::Number>().DoubleValue()) : fallback);
}

Napi::Value Ns(Napi::Env env, uint64_t ns) { return Napi::Number::New(env, static_cast<double>(ns)); }

// injectLibrary(pid, { library, dlopen: bigint, dlerror: bigint, flags, busy: [{start, end, what, scope}],
//                      attempts, callTimeoutMs, stopTimeoutMs }): Promise<InjectionReport>
Napi::Value InjectLibraryJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "injectLibrary(pid, request)");
  const pid_t pid = PidOf(info[0], "pid");
  Napi::Object o = info[1].As<Napi::Object>();
  InjectionRequest request;
  request.library = o.Get("library").As<Napi::String>().Utf8Value();
  request.dlopen = AddressOf(o, "dlopen");
  request.dlerror = AddressOf(o, "dlerror");
  request.dlopen_flags = o.Get("flags").As<Napi::Number>().Int32Value();
  request.attempts = o.Get("attempts").IsNumber() ? o.Get("attempts").As<Napi::Number>().Int32Value() : 20;
  request.call_timeout = MillisecondsOf(o, "callTimeoutMs", 10000);
  request.stop.stop_timeout = MillisecondsOf(o, "stopTimeoutMs", 2000);
  request.stop.abort_requested = &TracerThread::Get().abort_requested();
  Napi::Array busy = o.Get("busy").As<Napi::Array>();
  for (uint32_t i = 0; i < busy.Length(); i++) {
    Napi::Object range = busy.Get(i).As<Napi::Object>();
    const bool borrowed_only = range.Get("scope").IsString() && range.Get("scope").As<Napi::String>().Utf8Value() == "borrowed";
    request.busy.push_back({AddressOf(range, "start"), AddressOf(range, "end"), range.Get("what").As<Napi::String>(),
                            borrowed_only ? BusyRange::Scope::kBorrowedThread : BusyRange::Scope::kAnyThread});
  }
  return RunOnTracerThread<InjectionReport>(
      env, [pid, request]() { return InjectLibrary(pid, request); },
      [](Napi::Env env, const InjectionReport& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("handle", Napi::BigInt::New(env, static_cast<uint64_t>(r.handle)));
        out.Set("tid", Napi::Number::New(env, r.tid));
        out.Set("attempts", Napi::Number::New(env, r.attempts));
        out.Set("threads", Napi::Number::New(env, static_cast<double>(r.threads)));
        out.Set("stopWindowNs", Ns(env, r.stop_window_ns));
        out.Set("callNs", Ns(env, r.call_ns));
        return out;
      });
}

// remoteCall(pid, { tid, function: bigint, args: bigint[], data?: Uint8Array, dataArg, timeoutMs }):
// Promise<{ value: bigint, tid }>
Napi::Value RemoteCallJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "remoteCall(pid, request)");
  const pid_t pid = PidOf(info[0], "pid");
  Napi::Object o = info[1].As<Napi::Object>();
  RemoteCallRequest request;
  request.tid = o.Get("tid").IsNumber() ? PidOf(o.Get("tid"), "tid") : 0;
  request.function = AddressOf(o, "function");
  Napi::Array args = o.Get("args").As<Napi::Array>();
  if (args.Length() > 6) throw Napi::RangeError::New(env, "at most six arguments");
  for (uint32_t i = 0; i < args.Length(); i++) {
    bool lossless = true;
    request.args.push_back(args.Get(i).As<Napi::BigInt>().Uint64Value(&lossless));
  }
  if (o.Get("data").IsTypedArray()) {
    Napi::Uint8Array data = o.Get("data").As<Napi::Uint8Array>();
    request.data.assign(data.Data(), data.Data() + data.ElementLength());
    request.data_arg = o.Get("dataArg").As<Napi::Number>().Int32Value();
    if (request.data_arg < 0 || request.data_arg > 5) throw Napi::RangeError::New(env, "dataArg must be 0..5");
  }
  request.timeout = MillisecondsOf(o, "timeoutMs", 10000);
  request.stop.stop_timeout = MillisecondsOf(o, "stopTimeoutMs", 2000);
  return RunOnTracerThread<RemoteCallReport>(
      env, [pid, request]() { return CallInProcess(pid, request); },
      [](Napi::Env env, const RemoteCallReport& r) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("value", Napi::BigInt::New(env, static_cast<uint64_t>(r.value)));
        out.Set("tid", Napi::Number::New(env, r.tid));
        return out;
      });
}

}  // namespace

void RegisterInjection(Napi::Env env, Napi::Object exports) {
  exports.Set("injectLibrary", Napi::Function::New(env, InjectLibraryJs, "injectLibrary"));
  exports.Set("remoteCall", Napi::Function::New(env, RemoteCallJs, "remoteCall"));
}

}  // namespace iprobe
