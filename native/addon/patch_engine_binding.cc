// Node-API surface of the ptrace patch engine: patchSites and readMemory
// return promises settled by the tracer thread; setAbortRequested is called
// from the SIGINT/SIGTERM handler of the TypeScript side.
#include <napi.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "bindings.h"
#include "process_memory.h"
#include "site_patcher.h"
#include "tracer_jobs.h"

namespace iprobe {
namespace {

pid_t PidArg(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "pid must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d > 4194304 || std::floor(d) != d) throw Napi::RangeError::New(v.Env(), "pid out of range");
  return static_cast<pid_t>(d);
}

template <typename Array>
Array TypedArg(const Napi::Value& v, napi_typedarray_type type, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " has the wrong typed-array type");
  }
  return v.As<Array>();
}

// patchSites(pid, addresses: Float64Array, lengths: Uint8Array, expected: Uint8Array,
//            replacement: Uint8Array, stopTimeoutMs: number,
//            zoneStarts?: Float64Array, zoneEnds?: Float64Array): Promise<PatchReport>
// expected and replacement hold the sites' bytes back to back; zone i is
// [zoneStarts[i], zoneEnds[i]), a no-stop zone (site_patcher.h).
Napi::Value PatchSitesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) throw Napi::TypeError::New(env, "patchSites(pid, addresses, lengths, expected, replacement, stopTimeoutMs)");
  pid_t pid = PidArg(info[0]);
  auto addresses = TypedArg<Napi::Float64Array>(info[1], napi_float64_array, "addresses");
  auto lengths = TypedArg<Napi::Uint8Array>(info[2], napi_uint8_array, "lengths");
  auto expected = TypedArg<Napi::Uint8Array>(info[3], napi_uint8_array, "expected");
  auto replacement = TypedArg<Napi::Uint8Array>(info[4], napi_uint8_array, "replacement");
  double timeout_ms = info[5].As<Napi::Number>().DoubleValue();
  if (addresses.ElementLength() != lengths.ElementLength()) throw Napi::RangeError::New(env, "one length per address");

  std::vector<SiteChange> sites(addresses.ElementLength());
  size_t offset = 0;
  for (size_t i = 0; i < sites.size(); i++) {
    const size_t length = lengths[i];
    if (offset + length > expected.ElementLength() || offset + length > replacement.ElementLength()) {
      throw Napi::RangeError::New(env, "expected/replacement shorter than the sum of lengths");
    }
    sites[i].address = static_cast<uint64_t>(addresses[i]);
    sites[i].expected.assign(expected.Data() + offset, expected.Data() + offset + length);
    sites[i].replacement.assign(replacement.Data() + offset, replacement.Data() + offset + length);
    offset += length;
  }
  std::vector<NoStopZone> zones;
  if (info.Length() >= 8 && !info[6].IsUndefined()) {
    auto starts = TypedArg<Napi::Float64Array>(info[6], napi_float64_array, "zoneStarts");
    auto ends = TypedArg<Napi::Float64Array>(info[7], napi_float64_array, "zoneEnds");
    if (starts.ElementLength() != ends.ElementLength()) throw Napi::RangeError::New(env, "one end per zone start");
    for (size_t i = 0; i < starts.ElementLength(); i++) {
      zones.push_back({static_cast<uint64_t>(starts[i]), static_cast<uint64_t>(ends[i])});
    }
  }
  StopOptions options;
  options.stop_timeout = std::chrono::milliseconds(static_cast<long>(timeout_ms));
  options.abort_requested = &TracerThread::Get().abort_requested();

  return RunOnTracerThread<PatchReport>(
      env, [pid, sites = std::move(sites), zones = std::move(zones), options]() {
        return PatchSites(pid, sites, zones, options);
      },
      [](Napi::Env env, const PatchReport& report) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("threads", Napi::Number::New(env, static_cast<double>(report.threads)));
        o.Set("restops", Napi::Number::New(env, static_cast<double>(report.restops)));
        o.Set("sites", Napi::Number::New(env, static_cast<double>(report.sites)));
        o.Set("nopSkips", Napi::Number::New(env, static_cast<double>(report.nop_skips)));
        o.Set("writes", Napi::Number::New(env, static_cast<double>(report.writes)));
        o.Set("stopWindowNs", Napi::Number::New(env, static_cast<double>(report.stop_window_ns)));
        return o;
      });
}

struct MemorySnapshot {
  std::vector<uint8_t> bytes;
  std::vector<bool> readable;
};

// readMemory(pid, addresses: Float64Array, lengths: Uint32Array): Promise<{bytes, readable}>
Napi::Value ReadMemoryJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throw Napi::TypeError::New(env, "readMemory(pid, addresses, lengths)");
  pid_t pid = PidArg(info[0]);
  auto addresses = TypedArg<Napi::Float64Array>(info[1], napi_float64_array, "addresses");
  auto lengths = TypedArg<Napi::Uint32Array>(info[2], napi_uint32_array, "lengths");
  if (addresses.ElementLength() != lengths.ElementLength()) throw Napi::RangeError::New(env, "one length per address");
  std::vector<MemoryRange> ranges(addresses.ElementLength());
  size_t total = 0;
  for (size_t i = 0; i < ranges.size(); i++) {
    ranges[i] = {static_cast<uint64_t>(addresses[i]), lengths[i]};
    total += lengths[i];
  }
  if (total > (1u << 30)) throw Napi::RangeError::New(env, "readMemory: at most 1 GiB at a time");

  return RunOnTracerThread<MemorySnapshot>(
      env,
      [pid, ranges = std::move(ranges), total]() {
        MemorySnapshot snapshot;
        snapshot.bytes.resize(total);
        ProcessMemory memory(pid);
        memory.ReadMany(ranges, snapshot.bytes.data(), &snapshot.readable);
        return snapshot;
      },
      [](Napi::Env env, const MemorySnapshot& snapshot) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        auto bytes = Napi::Uint8Array::New(env, snapshot.bytes.size());
        std::copy(snapshot.bytes.begin(), snapshot.bytes.end(), bytes.Data());
        auto readable = Napi::Uint8Array::New(env, snapshot.readable.size());
        for (size_t i = 0; i < snapshot.readable.size(); i++) readable[i] = snapshot.readable[i] ? 1 : 0;
        o.Set("bytes", bytes);
        o.Set("readable", readable);
        return o;
      });
}

Napi::Value SetAbortRequested(const Napi::CallbackInfo& info) {
  TracerThread::Get().abort_requested().store(info.Length() > 0 && info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

}  // namespace

void RegisterPatchEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("patchSites", Napi::Function::New(env, PatchSitesJs, "patchSites"));
  exports.Set("readMemory", Napi::Function::New(env, ReadMemoryJs, "readMemory"));
  exports.Set("setAbortRequested", Napi::Function::New(env, SetAbortRequested, "setAbortRequested"));
}

}  // namespace iprobe
