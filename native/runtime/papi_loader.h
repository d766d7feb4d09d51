/* libpapi, loaded with dlopen only when a controller asks for FPerf: a
 * process that is only counted or traced never maps it. The table holds the
 * entry points the runtime uses; everything else in the runtime calls PAPI
 * through it. papi.h is included for its types and constants only (the
 * runtime has no DT_NEEDED on libpapi). */
#ifndef IPROBE_RUNTIME_PAPI_LOADER_H
#define IPROBE_RUNTIME_PAPI_LOADER_H

#include <papi.h>

#include "compiler.h"

/* The SONAME of Debian's libpapi7.0, whose PAPI_VER_CURRENT we compile against. */
#define IPROBE_PAPI_LIBRARY "libpapi.so.7.0"

struct iprobe_papi {
  int (*library_init)(int version);
  int (*thread_init)(unsigned long (*id)(void));
  int (*event_name_to_code)(const char *name, int *code);
  int (*get_event_component)(int code);
  int (*create_eventset)(int *set);
  int (*assign_eventset_component)(int set, int component);
  int (*set_opt)(int option, PAPI_option_t *value);
  int (*add_event)(int set, int code);
  int (*start)(int set);
  int (*read)(int set, long long *values);
  int (*stop)(int set, long long *values);
  int (*cleanup_eventset)(int set);
  int (*destroy_eventset)(int *set);
  int (*attach)(int set, unsigned long tid);
  char *(*strerror)(int code);
};

/* Filled by iprobe_papi_load; read-only afterwards. */
extern struct iprobe_papi iprobe_papi IPROBE_HIDDEN;

/* dlopen + dlsym + PAPI_library_init + PAPI_thread_init, once per process.
 * 0 on success; otherwise -1 with a message in `error` and PAPI's code (or 0)
 * in *papi_error. A failure is final: later calls return it again. */
int iprobe_papi_load(char *error, unsigned long error_size, int *papi_error) IPROBE_INTERNAL;

/* PAPI's text for an error code, or a generic one before PAPI is loaded. */
const char *iprobe_papi_error_text(int code) IPROBE_INTERNAL;

#endif
