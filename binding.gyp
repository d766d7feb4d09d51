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
        "native/addon/papi_library.cc",
        "native/addon/papi_events.cc",
        "native/addon/papi_event_set.cc",
        "native/addon/papi_binding.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "libraries": ["-lcapstone", "-ldw", "-lelf", "-lpapi"]
    }
  ]
}
