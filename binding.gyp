{
  "target_defaults": {
    "cflags": ["-Wall", "-Wextra", "-O2", "-g"],
    "cflags_cc": ["-std=c++17"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"]
  },
  "targets": [
    {
      "target_name": "iprobe",
      "sources": [
        "native/addon/module.cc",
        "native/addon/first_argument_tracker.cc",
        "native/addon/x86_scanner.cc",
        "native/addon/x86_scanner_binding.cc",
        "native/addon/source_lines.cc",
        "native/addon/demangle_binding.cc",
        "native/addon/shm_mapping.cc",
        "native/addon/shm_binding.cc",
        "native/addon/papi_library.cc",
        "native/addon/papi_events.cc",
        "native/addon/papi_event_set.cc",
        "native/addon/papi_binding.cc",
        "native/addon/counter_checks.cc",
        "native/addon/counter_values_binding.cc",
        "native/addon/kernel_counters.cc",
        "native/addon/kernel_counters_binding.cc",
        "native/shared/kernel_events.c",
        "native/addon/proc_task.cc",
        "native/addon/stopped_process.cc",
        "native/addon/realtime_priority.cc",
        "native/addon/process_memory.cc",
        "native/addon/site_patcher.cc",
        "native/addon/site_spans.cc",
        "native/addon/tracer_thread.cc",
        "native/addon/patch_engine_binding.cc",
        "native/addon/syscall_restart.cc",
        "native/addon/remote_call.cc",
        "native/addon/thread_frames.cc",
        "native/addon/seccomp_filter.cc",
        "native/addon/library_injector.cc",
        "native/addon/injection_binding.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include", "native/shared"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "libraries": ["-lcapstone", "-ldw", "-lelf", "-lpapi"]
    },
    {
      # The in-process runtime, preloaded or dlopen'ed into traced programs.
      # product_dir puts it next to iprobe.node (build/Release/libiprobe_runtime.so)
      # whatever the gyp version's default place for shared libraries.
      "target_name": "iprobe_runtime",
      "type": "shared_library",
      "product_dir": "<(PRODUCT_DIR)",
      "product_prefix": "lib",
      "product_extension": "so",
      "sources": [
        "native/runtime/clock.c",
        "native/runtime/counters.c",
        "native/runtime/counters_kernel.c",
        "native/runtime/counters_papi.c",
        "native/runtime/fperf.c",
        "native/runtime/fperf_control.c",
        "native/runtime/fperf_threads.c",
        "native/runtime/functions.c",
        "native/runtime/hooks.c",
        "native/runtime/papi_loader.c",
        "native/runtime/runtime.c",
        "native/runtime/segment.c",
        "native/runtime/threads.c",
        "native/shared/kernel_events.c"
      ],
      "include_dirs": ["native/shared"],
      "cflags": ["-fvisibility=hidden", "-fno-omit-frame-pointer"],
      "cflags_c": ["-std=c11"],
      "defines": ["_GNU_SOURCE"],
      "cflags!": ["-finstrument-functions"],
      "ldflags": ["-Wl,-z,nodelete", "-Wl,-z,now", "-pthread"],
      # libpapi is dlopen'ed in fperf mode only (papi_loader.c): no -lpapi here
      "libraries": ["-ldl"]
    }
  ]
}
