// JavaScript shapes shared by the two counter backends' bindings (PAPI and
// the kernel's perf_event_open): event-name arguments, counts, the check of
// a set, the cost of a read.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "counter_checks.h"

namespace iprobe::counters {

// info[0] as a string array; a TypeError quoting `usage` otherwise.
std::vector<std::string> NamesArg(const Napi::CallbackInfo& info, const char* usage);
// info[1] as a positive int; a TypeError quoting `usage` otherwise.
int IterationsArg(const Napi::CallbackInfo& info, const char* usage);
Napi::Array Counts(Napi::Env env, const std::vector<long long>& values);
// { ok, error?, events: [{ name, ok, error? }], values }
Napi::Object SetCheckValue(Napi::Env env, const SetCheck& check);
// { medianNs, p90Ns, minNs, timerOverheadNs, iterations }
Napi::Object ReadCostValue(Napi::Env env, const ReadCost& cost);

}  // namespace iprobe::counters
