// Maps code addresses to source file and line through the binary's DWARF
// line tables, using elfutils' libdwfl (also finds separate debug files).
#include <elfutils/libdwfl.h>
#include <napi.h>

#include <memory>
#include <string>

#include "bindings.h"

namespace iprobe {
namespace {

struct DwflDeleter {
  void operator()(Dwfl* d) const { dwfl_end(d); }
};

const Dwfl_Callbacks* OfflineCallbacks() {
  static char* debuginfo_path = nullptr;
  static Dwfl_Callbacks callbacks = [] {
    Dwfl_Callbacks c{};
    c.find_elf = dwfl_build_id_find_elf;
    c.find_debuginfo = dwfl_standard_find_debuginfo;
    c.section_address = dwfl_offline_section_address;
    c.debuginfo_path = &debuginfo_path;
    return c;
  }();
  return &callbacks;
}

// sourceLines(path, addresses: Float64Array): { file: string[], line: Int32Array }
// Addresses are link-time addresses; a missing entry has file "" and line 0.
Napi::Value SourceLines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray()) {
    throw Napi::TypeError::New(env, "sourceLines(path, addresses: Float64Array)");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  auto addresses = info[1].As<Napi::Float64Array>();
  const size_t n = addresses.ElementLength();
  Napi::Array files = Napi::Array::New(env, n);
  auto lines = Napi::Int32Array::New(env, n);
  Napi::Object result = Napi::Object::New(env);
  result.Set("file", files);
  result.Set("line", lines);

  std::unique_ptr<Dwfl, DwflDeleter> dwfl(dwfl_begin(OfflineCallbacks()));
  Dwfl_Module* module = dwfl ? dwfl_report_offline(dwfl.get(), "", path.c_str(), -1) : nullptr;
  if (module == nullptr) {
    for (size_t i = 0; i < n; i++) files.Set(static_cast<uint32_t>(i), "");
    return result;
  }
  dwfl_report_end(dwfl.get(), nullptr, nullptr);
  Dwarf_Addr bias = 0;
  const bool has_dwarf = dwfl_module_getdwarf(module, &bias) != nullptr;
  for (size_t i = 0; i < n; i++) {
    const char* file = nullptr;
    int line = 0;
    if (has_dwarf) {
      Dwfl_Line* l = dwfl_module_getsrc(module, static_cast<Dwarf_Addr>(addresses[i]) + bias);
      if (l != nullptr) file = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
    }
    files.Set(static_cast<uint32_t>(i), file ? file : "");
    lines[i] = file ? line : 0;
  }
  return result;
}

}  // namespace

void RegisterSourceLines(Napi::Env env, Napi::Object exports) {
  exports.Set("sourceLines", Napi::Function::New(env, SourceLines, "sourceLines"));
}

}  // namespace iprobe
