// What PAPI can count on this machine: its components (with the reason a
// component is disabled), the preset events and the native events of each
// enabled component, each probed by actually counting it alone.
#pragma once
#include <string>
#include <vector>

namespace iprobe::papi {

struct ComponentInfo {
  int index = 0;
  std::string name;
  std::string description;
  bool disabled = false;
  std::string disabled_reason;
  int counters = 0;
  int native_events = 0;
};

std::vector<ComponentInfo> Components();

struct EventDescription {
  std::string name;
  std::string description;
  std::string component;
  bool derived = false;  // presets computed from several native events
  // Countable here, alone: PAPI knows it and a started event set counts it.
  bool available = false;
  std::string reason;  // why not, when !available
};

// All PAPI presets, available or not.
std::vector<EventDescription> Presets();
// The native events (without unit masks or modifiers) of every enabled component.
std::vector<EventDescription> NativeEvents();

}  // namespace iprobe::papi
