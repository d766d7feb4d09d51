// C++ symbol demangling through the C++ runtime's own demangler.
#include <cxxabi.h>
#include <napi.h>

#include <cstdlib>
#include <string>

#include "bindings.h"

namespace iprobe {
namespace {

std::string Demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string result(out);
  std::free(out);
  return result;
}

// demangle(names: string[]): string[] — names that are not mangled come back unchanged.
Napi::Value DemangleNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    throw Napi::TypeError::New(env, "demangle(names: string[])");
  }
  Napi::Array names = info[0].As<Napi::Array>();
  Napi::Array result = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) {
    result.Set(i, Demangle(names.Get(i).As<Napi::String>().Utf8Value()));
  }
  return result;
}

}  // namespace

void RegisterDemangle(Napi::Env env, Napi::Object exports) {
  exports.Set("demangle", Napi::Function::New(env, DemangleNames, "demangle"));
}

}  // namespace iprobe
