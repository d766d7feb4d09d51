// Runs a job on the tracer thread and settles a JavaScript promise with its
// result: the glue between Node-API and the tracer thread, shared by the
// *_binding.cc files of the ptrace engine.
#pragma once
#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "trace_failure.h"
#include "tracer_thread.h"

namespace iprobe {

// A TraceFailure as a JavaScript Error with `code`, `tid` and `errno` properties.
inline Napi::Value FailureToError(Napi::Env env, const TraceFailure& failure) {
  Napi::Error error = Napi::Error::New(env, failure.what());
  error.Set("code", Napi::String::New(env, failure.code()));
  error.Set("tid", Napi::Number::New(env, failure.tid()));
  error.Set("errno", Napi::Number::New(env, failure.sys_errno()));
  return error.Value();
}

template <typename Result>
Napi::Value RunOnTracerThread(Napi::Env env, std::function<Result()> work,
                              std::function<Napi::Value(Napi::Env, const Result&)> to_js) {
  struct Outcome {
    std::optional<Result> value;
    std::optional<TraceFailure> failure;
    std::string bug;
  };
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  // Keeps the event loop alive until the job reports back.
  Napi::ThreadSafeFunction report = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "iprobe-tracer-report", 0, 1);
  TracerThread::Get().Post([work, to_js, deferred, report]() mutable {
    auto outcome = std::make_shared<Outcome>();
    try {
      outcome->value = work();
    } catch (const TraceFailure& failure) {
      outcome->failure = failure;
    } catch (const std::exception& e) {
      outcome->bug = e.what();
    }
    report.BlockingCall([outcome, to_js, deferred](Napi::Env env, Napi::Function) {
      Napi::HandleScope scope(env);
      if (outcome->value) {
        deferred.Resolve(to_js(env, *outcome->value));
      } else if (outcome->failure) {
        deferred.Reject(FailureToError(env, *outcome->failure));
      } else {
        deferred.Reject(Napi::Error::New(env, "ptrace engine: " + outcome->bug).Value());
      }
    });
    report.Release();
  });
  return deferred.Promise();
}

}  // namespace iprobe
