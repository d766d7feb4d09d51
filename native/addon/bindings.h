// Registration functions, one per addon concern (see module.cc).
#pragma once
#include <napi.h>

namespace iprobe {

void RegisterX86Scanner(Napi::Env env, Napi::Object exports);
void RegisterSourceLines(Napi::Env env, Napi::Object exports);
void RegisterDemangle(Napi::Env env, Napi::Object exports);
void RegisterShm(Napi::Env env, Napi::Object exports);
void RegisterPapi(Napi::Env env, Napi::Object exports);
void RegisterKernelCounters(Napi::Env env, Napi::Object exports);
void RegisterPatchEngine(Napi::Env env, Napi::Object exports);
void RegisterInjection(Napi::Env env, Napi::Object exports);

}  // namespace iprobe
