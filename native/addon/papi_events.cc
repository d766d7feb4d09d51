#include "papi_events.h"

#include <papi.h>

#include "papi_event_set.h"
#include "papi_library.h"

namespace iprobe::papi {
namespace {

// Components with delayed initialisation (PAPI_EDELAY_INIT) report their real
// state only once someone enumerates their events.
void InitializeDelayedComponents() {
  for (int cidx = 0; cidx < PAPI_num_components(); cidx++) {
    const PAPI_component_info_t* info = PAPI_get_component_info(cidx);
    if (info == nullptr || info->disabled != PAPI_EDELAY_INIT) continue;
    int code = PAPI_NATIVE_MASK;
    PAPI_enum_cmp_event(&code, PAPI_ENUM_FIRST, cidx);
  }
}

std::string ComponentName(int cidx) {
  const PAPI_component_info_t* info = PAPI_get_component_info(cidx);
  return info ? info->name : "";
}

EventDescription Describe(int code, const PAPI_event_info_t& info) {
  EventDescription event;
  event.name = info.symbol;
  event.description = info.long_descr;
  event.component = ComponentName(PAPI_get_event_component(code));
  return event;
}

}  // namespace

std::vector<ComponentInfo> Components() {
  EnsureInitialized();
  InitializeDelayedComponents();
  std::vector<ComponentInfo> out;
  for (int cidx = 0; cidx < PAPI_num_components(); cidx++) {
    const PAPI_component_info_t* info = PAPI_get_component_info(cidx);
    if (info == nullptr) continue;
    ComponentInfo c;
    c.index = cidx;
    c.name = info->name;
    c.description = info->description;
    c.disabled = info->disabled != PAPI_OK;
    if (c.disabled) c.disabled_reason = info->disabled_reason[0] ? info->disabled_reason : ErrorText(info->disabled);
    c.counters = info->num_cntrs;
    c.native_events = info->num_native_events;
    out.push_back(c);
  }
  return out;
}

std::vector<EventDescription> Presets() {
  EnsureInitialized();
  std::vector<EventDescription> out;
  int code = PAPI_PRESET_MASK;
  if (PAPI_enum_event(&code, PAPI_ENUM_FIRST) != PAPI_OK) return out;
  do {
    PAPI_event_info_t info;
    if (PAPI_get_event_info(code, &info) != PAPI_OK || info.symbol[0] == '\0') continue;
    EventDescription event = Describe(code, info);
    event.derived = info.count > 1;
    if (PAPI_query_event(code) != PAPI_OK) {
      event.reason = "no native events for it on this CPU";
    } else {
      event.reason = ProbeAlone(code);
      event.available = event.reason.empty();
    }
    out.push_back(event);
  } while (PAPI_enum_event(&code, PAPI_ENUM_EVENTS) == PAPI_OK);
  return out;
}

std::vector<EventDescription> NativeEvents() {
  EnsureInitialized();
  InitializeDelayedComponents();
  std::vector<EventDescription> out;
  for (int cidx = 0; cidx < PAPI_num_components(); cidx++) {
    const PAPI_component_info_t* component = PAPI_get_component_info(cidx);
    if (component == nullptr || component->disabled != PAPI_OK) continue;
    int code = PAPI_NATIVE_MASK;
    if (PAPI_enum_cmp_event(&code, PAPI_ENUM_FIRST, cidx) != PAPI_OK) continue;
    do {
      PAPI_event_info_t info;
      if (PAPI_get_event_info(code, &info) != PAPI_OK) continue;
      EventDescription event = Describe(code, info);
      event.reason = ProbeAlone(code);
      event.available = event.reason.empty();
      out.push_back(event);
    } while (PAPI_enum_cmp_event(&code, PAPI_ENUM_EVENTS, cidx) == PAPI_OK);
  }
  return out;
}

}  // namespace iprobe::papi
