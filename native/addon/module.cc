// Entry point of the iprobe Node-API addon. Each concern registers its own
// functions; this file only wires them together.
#include <napi.h>

#include "bindings.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  iprobe::RegisterX86Scanner(env, exports);
  iprobe::RegisterSourceLines(env, exports);
  iprobe::RegisterDemangle(env, exports);
  iprobe::RegisterShm(env, exports);
  iprobe::RegisterPapi(env, exports);
  iprobe::RegisterKernelCounters(env, exports);
  iprobe::RegisterPatchEngine(env, exports);
  iprobe::RegisterInjection(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(iprobe, Init)
