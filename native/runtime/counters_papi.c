/* FPerf's counters through PAPI: a per-thread event set of the configured
 * event codes, user domain, read with PAPI_read. The control thread makes
 * the set for another thread with PAPI_attach (PAPI's perf_event component
 * then opens its perf events with that tid), so PAPI's allocations and locks
 * (event-set table, thread list, libpfm4) never run in a hook; the thread
 * itself only calls PAPI_read, which for perf_event is one read(2) of the
 * group and arithmetic. */
#include <string.h>

#include "counters.h"
#include "papi_loader.h"

int iprobe_papi_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                              const char **call) {
  int set = PAPI_NULL;
  *call = "PAPI_create_eventset";
  int rc = iprobe_papi.create_eventset(&set);
  if (rc == PAPI_OK) {
    *call = "PAPI_assign_eventset_component";
    rc = iprobe_papi.assign_eventset_component(set, config->component);
  }
  if (rc == PAPI_OK && tid) {
    /* before the events are added, so that perf_event opens them for tid */
    *call = "PAPI_attach";
    rc = iprobe_papi.attach(set, tid);
  }
  if (rc == PAPI_OK) {
    /* User mode only: the target's own work, and what perf_event_paranoid 2
     * allows. perf_event's PAPI_DOMAIN check opens a hardware instructions
     * event, so it fails (PAPI_ENOEVNT) where there is no PMU; the
     * component's default domain, user, then stays. */
    PAPI_option_t option;
    memset(&option, 0, sizeof option);
    option.domain.eventset = set;
    option.domain.domain = PAPI_DOM_USER;
    iprobe_papi.set_opt(PAPI_DOMAIN, &option);
  }
  for (int i = 0; rc == PAPI_OK && i < config->count; i++) {
    *call = "PAPI_add_event";
    rc = iprobe_papi.add_event(set, config->codes[i]);
    if (rc != PAPI_OK) s->failed_event = (uint32_t)i;
  }
  if (rc == PAPI_OK) {
    *call = "PAPI_start";
    rc = iprobe_papi.start(set);
  }
  if (rc != PAPI_OK) {
    if (set != PAPI_NULL) {
      iprobe_papi.cleanup_eventset(set);
      iprobe_papi.destroy_eventset(&set);
    }
    return rc;
  }
  s->papi_set = set;
  s->events = (uint32_t)config->count;
  return 0;
}

int iprobe_papi_counters_read(struct iprobe_counter_set *s, long long *values) {
  int rc = iprobe_papi.read(s->papi_set, values);
  return rc == PAPI_OK ? 0 : rc;
}

void iprobe_papi_counters_close(struct iprobe_counter_set *s) {
  if (s->papi_set == PAPI_NULL) return;
  long long ignored[IPROBE_FPERF_MAX_EVENTS];
  iprobe_papi.stop(s->papi_set, ignored);
  iprobe_papi.cleanup_eventset(s->papi_set);
  iprobe_papi.destroy_eventset(&s->papi_set);
  s->papi_set = PAPI_NULL;
  s->events = 0;
}
