// Loads a shared library into a running process that did not start with it:
// one of its threads, borrowed through ptrace, calls the process's own
// dlopen(). See the comment above InjectLibrary in library_injector.cc for
// the sequence and docs/injection.md for the whole design.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "stopped_process.h"

namespace iprobe {

// Code a thread may be running while it holds a lock that dlopen() takes.
struct BusyRange {
  enum class Scope {
    // A lock that may be held for long (the loader lock: a library
    // constructor runs under it): no thread may be inside, or dlopen() could
    // wait for it indefinitely.
    kAnyThread,
    // A lock held only briefly by a running thread (a malloc arena): only
    // the borrowed thread must be outside it, or it would wait for itself.
    kBorrowedThread,
  };
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive
  std::string what;  // "the dynamic loader (ld-linux-x86-64.so.2)", "malloc", ...
  Scope scope = Scope::kAnyThread;
};

struct InjectionRequest {
  std::string library;  // path as the target process sees it
  uint64_t dlopen = 0;  // run-time addresses in the target
  uint64_t dlerror = 0;
  int dlopen_flags = 0;
  std::vector<BusyRange> busy;
  int attempts = 20;
  std::chrono::milliseconds call_timeout{10000};
  StopOptions stop;
};

struct InjectionReport {
  uint64_t handle = 0;  // dlopen's result
  pid_t tid = 0;        // the thread that made the call
  int attempts = 0;     // stops it took to find every thread outside the loader and malloc
  size_t threads = 0;
  uint64_t stop_window_ns = 0;  // every thread stopped: the last attempt's check
  uint64_t call_ns = 0;         // the calling thread borrowed
};

// Throws TraceFailure ("loader-busy", "unwind-incomplete" (a thread's stack
// could not be unwound, so it may be inside the loader), "seccomp-forbids",
// "seccomp-strict", "seccomp-unreadable", "dlopen-failed", "dlopen-timeout"
// (dlopen abandoned half-way: the loader lock may stay held), "exited",
// "remote-call-*", and the StoppedProcess codes). Whatever happens, the
// borrowed thread's registers are restored and every thread is let go.
InjectionReport InjectLibrary(pid_t pid, const InjectionRequest& request);

struct RemoteCallRequest {
  pid_t tid = 0;  // 0: the first suitable thread
  uint64_t function = 0;
  std::vector<uint64_t> args;
  std::vector<uint8_t> data;  // copied onto the stack; its address replaces args[data_arg]
  int data_arg = -1;
  std::chrono::milliseconds timeout{10000};
  StopOptions stop;
};

struct RemoteCallReport {
  uint64_t value = 0;
  pid_t tid = 0;
};

// The bare primitive: one call in one thread, no loader checks.
RemoteCallReport CallInProcess(pid_t pid, const RemoteCallRequest& request);

}  // namespace iprobe
