#include "papi_library.h"

#include <papi.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace iprobe::papi {
namespace {

// PAPI keys its per-thread state by this id. pthread_self() would also do
// inside one process, but the kernel thread id is what perf_event_open
// attaches to, and it is what the FPerf runtime uses too (see docs/fperf.md).
unsigned long KernelThreadId() { return static_cast<unsigned long>(gettid()); }

struct InitState {
  std::once_flag once;
  std::string failed_call;  // empty once initialised successfully
  int code = PAPI_OK;
  std::string text;
};

std::string VersionText(int v) {
  return std::to_string(PAPI_VERSION_MAJOR(v)) + "." + std::to_string(PAPI_VERSION_MINOR(v));
}

InitState& State() {
  static InitState state;
  return state;
}

}  // namespace

PapiError::PapiError(const std::string& call, int code) : PapiError(call, code, ErrorText(code)) {}

PapiError::PapiError(const std::string& call, int code, const std::string& text)
    : std::runtime_error(call + ": " + text), code_(code) {}

std::string ErrorText(int code) {
  const int saved_errno = errno;
  const char* text = PAPI_strerror(code);
  std::string out = text ? text : "unknown PAPI error " + std::to_string(code);
  if (code == PAPI_ESYS && saved_errno != 0) out += std::string(" (") + std::strerror(saved_errno) + ")";
  return out;
}

void EnsureInitialized() {
  InitState& state = State();
  std::call_once(state.once, [&state] {
    const int version = PAPI_library_init(PAPI_VER_CURRENT);
    if (version != PAPI_VER_CURRENT) {
      state.failed_call = "PAPI_library_init";
      state.code = version > 0 ? PAPI_EINVAL : version;
      // A positive value is the version of a libpapi.so other than the one
      // whose header we were built against.
      state.text = version > 0 ? "libpapi is version " + VersionText(version) + ", iprobe was built against " +
                                     VersionText(PAPI_VER_CURRENT) + " (rebuild with npm run build:native)"
                               : ErrorText(version);
      return;
    }
    const int rc = PAPI_thread_init(KernelThreadId);
    if (rc != PAPI_OK) {
      state.failed_call = "PAPI_thread_init";
      state.code = rc;
      state.text = ErrorText(rc);
    }
  });
  if (!state.failed_call.empty()) throw PapiError(state.failed_call, state.code, state.text);
}

LibraryVersion RuntimeVersion() {
  EnsureInitialized();
  const int v = PAPI_get_opt(PAPI_LIB_VERSION, nullptr);
  if (v < 0) throw PapiError("PAPI_get_opt(PAPI_LIB_VERSION)", v);
  LibraryVersion out;
  out.major = PAPI_VERSION_MAJOR(v);
  out.minor = PAPI_VERSION_MINOR(v);
  out.revision = PAPI_VERSION_REVISION(v);
  out.increment = PAPI_VERSION_INCREMENT(v);
  out.text = std::to_string(out.major) + "." + std::to_string(out.minor) + "." +
             std::to_string(out.revision) + "." + std::to_string(out.increment);
  return out;
}

HardwareInfo Hardware() {
  EnsureInitialized();
  const PAPI_hw_info_t* hw = PAPI_get_hardware_info();
  HardwareInfo out;
  if (hw == nullptr) return out;
  out.vendor = hw->vendor_string;
  out.model = hw->model_string;
  out.cpus = hw->totalcpus;
  out.virtualized = hw->virtualized != 0;
  if (out.virtualized) out.virtual_vendor = hw->virtual_vendor_string;
  return out;
}

}  // namespace iprobe::papi
