// Node-API surface of the x86 scanner: typed arrays in, typed arrays out, so
// that a binary with hundreds of thousands of branches costs no per-site
// JavaScript objects.
#include <napi.h>

#include <cmath>
#include <limits>

#include "bindings.h"
#include "x86_scanner.h"

namespace iprobe {
namespace {

struct ByteView {
  const uint8_t* data;
  size_t size;
};

ByteView BytesArg(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Uint8Array or Buffer");
  }
  auto a = v.As<Napi::Uint8Array>();
  return {a.Data(), a.ByteLength()};
}

uint64_t AddressArg(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be a non-negative integer");
  }
  return static_cast<uint64_t>(d);
}

void AddTargets(const Napi::Value& v, std::unordered_set<uint64_t>* out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(v.Env(), "targets must be Float64Array");
  }
  auto a = v.As<Napi::Float64Array>();
  for (size_t i = 0; i < a.ElementLength(); i++) out->insert(static_cast<uint64_t>(a[i]));
}

// findBranchesTo(code, address, codeTargets: Float64Array, memoryTargets: Float64Array, stopAfter?)
Napi::Value FindBranchesTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) {
    throw Napi::TypeError::New(env, "findBranchesTo(code, address, codeTargets, memoryTargets, stopAfter?)");
  }
  ByteView code = BytesArg(info[0], "code");
  uint64_t address = AddressArg(info[1], "address");
  BranchTargets targets;
  AddTargets(info[2], &targets.code);
  AddTargets(info[3], &targets.memory);
  size_t stop_after = code.size;
  if (info.Length() > 4 && !info[4].IsUndefined()) {
    stop_after = static_cast<size_t>(AddressArg(info[4], "stopAfter"));
  }

  X86Decoder decoder;
  ScanStats stats;
  std::vector<BranchSite> sites =
      decoder.FindBranchesTo(code.data, code.size, address, stop_after, targets, &stats);

  const size_t n = sites.size();
  auto addr = Napi::Float64Array::New(env, n);
  auto length = Napi::Uint8Array::New(env, n);
  auto form = Napi::Uint8Array::New(env, n);
  auto target = Napi::Float64Array::New(env, n);
  auto first_argument = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    addr[i] = static_cast<double>(sites[i].address);
    length[i] = sites[i].length;
    form[i] = static_cast<uint8_t>(sites[i].form);
    target[i] = static_cast<double>(sites[i].target);
    first_argument[i] = sites[i].first_argument ? static_cast<double>(*sites[i].first_argument)
                                                : std::numeric_limits<double>::quiet_NaN();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("address", addr);
  result.Set("length", length);
  result.Set("form", form);
  result.Set("target", target);
  result.Set("firstArgument", first_argument);
  result.Set("instructions", Napi::Number::New(env, static_cast<double>(stats.instructions)));
  result.Set("undecodableBytes", Napi::Number::New(env, static_cast<double>(stats.undecodable_bytes)));
  result.Set("consumedBytes", Napi::Number::New(env, static_cast<double>(stats.consumed_bytes)));
  return result;
}

const char* ClassName(InstructionClass c) {
  switch (c) {
    case InstructionClass::kCall: return "call";
    case InstructionClass::kJmp: return "jmp";
    case InstructionClass::kJcc: return "jcc";
    case InstructionClass::kRet: return "ret";
    case InstructionClass::kEndbr64: return "endbr64";
    case InstructionClass::kNop: return "nop";
    case InstructionClass::kData: return "data";
    case InstructionClass::kOther: break;
  }
  return "other";
}

// decode(code, address, maxCount): Instruction[]
Napi::Value Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "decode(code, address, maxCount)");
  }
  ByteView code = BytesArg(info[0], "code");
  uint64_t address = AddressArg(info[1], "address");
  size_t max_count = static_cast<size_t>(info[2].As<Napi::Number>().Uint32Value());

  X86Decoder decoder;
  std::vector<Instruction> instructions = decoder.Decode(code.data, code.size, address, max_count);
  Napi::Array out = Napi::Array::New(env, instructions.size());
  for (size_t i = 0; i < instructions.size(); i++) {
    const Instruction& ins = instructions[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("address", Napi::Number::New(env, static_cast<double>(ins.address)));
    o.Set("size", Napi::Number::New(env, ins.size));
    o.Set("class", Napi::String::New(env, ClassName(ins.cls)));
    o.Set("text", Napi::String::New(env, ins.text));
    if (ins.target) o.Set("target", Napi::Number::New(env, static_cast<double>(*ins.target)));
    if (ins.memory_target) {
      o.Set("memoryTarget", Napi::Number::New(env, static_cast<double>(*ins.memory_target)));
    }
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value CapstoneVersion(const Napi::CallbackInfo& info) {
  int major = 0, minor = 0;
  cs_version(&major, &minor);
  return Napi::String::New(info.Env(), std::to_string(major) + "." + std::to_string(minor));
}

}  // namespace

void RegisterX86Scanner(Napi::Env env, Napi::Object exports) {
  exports.Set("findBranchesTo", Napi::Function::New(env, FindBranchesTo, "findBranchesTo"));
  exports.Set("decode", Napi::Function::New(env, Decode, "decode"));
  exports.Set("capstoneVersion", Napi::Function::New(env, CapstoneVersion, "capstoneVersion"));
}

}  // namespace iprobe
