#include "papi_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct iprobe_papi iprobe_papi;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_result = -1;
static int load_papi_error;
static char load_error[256];

/* The kernel thread id: what perf events attach to and what the daemon sees in /proc/PID/task. */
static unsigned long IPROBE_NOINSTR kernel_thread_id(void) { return (unsigned long)gettid(); }

static int IPROBE_NOINSTR resolve(void *library) {
  struct {
    const char *name;
    void **slot;
  } entries[] = {
      {"PAPI_library_init", (void **)&iprobe_papi.library_init},
      {"PAPI_thread_init", (void **)&iprobe_papi.thread_init},
      {"PAPI_event_name_to_code", (void **)&iprobe_papi.event_name_to_code},
      {"PAPI_get_event_component", (void **)&iprobe_papi.get_event_component},
      {"PAPI_create_eventset", (void **)&iprobe_papi.create_eventset},
      {"PAPI_assign_eventset_component", (void **)&iprobe_papi.assign_eventset_component},
      {"PAPI_set_opt", (void **)&iprobe_papi.set_opt},
      {"PAPI_add_event", (void **)&iprobe_papi.add_event},
      {"PAPI_start", (void **)&iprobe_papi.start},
      {"PAPI_read", (void **)&iprobe_papi.read},
      {"PAPI_stop", (void **)&iprobe_papi.stop},
      {"PAPI_cleanup_eventset", (void **)&iprobe_papi.cleanup_eventset},
      {"PAPI_destroy_eventset", (void **)&iprobe_papi.destroy_eventset},
      {"PAPI_attach", (void **)&iprobe_papi.attach},
      {"PAPI_strerror", (void **)&iprobe_papi.strerror},
  };
  for (unsigned i = 0; i < sizeof entries / sizeof entries[0]; i++) {
    *entries[i].slot = dlsym(library, entries[i].name);
    if (!*entries[i].slot) {
      snprintf(load_error, sizeof load_error, "%s has no %s", IPROBE_PAPI_LIBRARY, entries[i].name);
      return -1;
    }
  }
  return 0;
}

static void IPROBE_NOINSTR load(void) {
  void *library = dlopen(IPROBE_PAPI_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    snprintf(load_error, sizeof load_error, "cannot load %s: %s", IPROBE_PAPI_LIBRARY, dlerror());
    return;
  }
  if (resolve(library) != 0) return;
  int version = iprobe_papi.library_init(PAPI_VER_CURRENT);
  if (version != PAPI_VER_CURRENT) {
    if (version > 0) {
      snprintf(load_error, sizeof load_error, "PAPI_library_init: the loaded libpapi is version %d.%d, the runtime was built for %d.%d",
               PAPI_VERSION_MAJOR(version), PAPI_VERSION_MINOR(version), PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
               PAPI_VERSION_MINOR(PAPI_VER_CURRENT));
    } else {
      load_papi_error = version;
      snprintf(load_error, sizeof load_error, "PAPI_library_init: %s", iprobe_papi.strerror(version));
    }
    return;
  }
  int rc = iprobe_papi.thread_init(kernel_thread_id);
  if (rc != PAPI_OK) {
    load_papi_error = rc;
    snprintf(load_error, sizeof load_error, "PAPI_thread_init: %s", iprobe_papi.strerror(rc));
    return;
  }
  load_result = 0;
}

int iprobe_papi_load(char *error, unsigned long error_size, int *papi_error) {
  pthread_once(&load_once, load);
  if (load_result != 0) {
    snprintf(error, error_size, "%s", load_error);
    *papi_error = load_papi_error;
  }
  return load_result;
}

const char *iprobe_papi_error_text(int code) {
  if (load_result != 0 || !iprobe_papi.strerror) return "PAPI error";
  const char *text = iprobe_papi.strerror(code);
  return text ? text : "unknown PAPI error";
}
