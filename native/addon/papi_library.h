// PAPI library lifetime and machine facts: one process-wide initialisation
// (safe to request from any thread, e.g. Node worker threads), PAPI's own
// error strings, the library version and what PAPI knows of the hardware.
#pragma once
#include <stdexcept>
#include <string>

namespace iprobe::papi {

// A failed PAPI call: `what()` reads "<call>: <PAPI's error string>".
class PapiError : public std::runtime_error {
 public:
  PapiError(const std::string& call, int code);
  PapiError(const std::string& call, int code, const std::string& text);
  int code() const { return code_; }

 private:
  int code_;
};

// PAPI's text for an error code ("Event does not exist"); for PAPI_ESYS it
// adds the errno text, since PAPI's own string says only that a call failed.
std::string ErrorText(int code);

// Initialises PAPI and its thread support exactly once per process. Throws
// PapiError on failure, on this and every later call.
void EnsureInitialized();

struct LibraryVersion {
  int major = 0, minor = 0, revision = 0, increment = 0;
  std::string text;  // "7.0.0.0"
};
LibraryVersion RuntimeVersion();

struct HardwareInfo {
  std::string vendor;
  std::string model;
  int cpus = 0;
  bool virtualized = false;
  std::string virtual_vendor;  // "KVMKVMKVM", empty on bare metal
};
HardwareInfo Hardware();

}  // namespace iprobe::papi
