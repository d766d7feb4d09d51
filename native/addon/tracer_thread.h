// The one native thread that issues every ptrace request of the addon. The
// kernel binds a tracee to the thread that attached it, so attach, register
// access, single steps and detach must all run here: never on the libuv
// pool, where consecutive jobs land on different threads.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace iprobe {

class TracerThread {
 public:
  // The process-wide tracer thread, started on first use.
  static TracerThread& Get();

  // Runs `job` on the tracer thread, after the jobs posted before it.
  void Post(std::function<void()> job);

  // Set by SIGINT/SIGTERM handling: operations that have not started writing give up.
  std::atomic<bool>& abort_requested() { return abort_requested_; }

  ~TracerThread();

 private:
  TracerThread();
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::atomic<bool> abort_requested_{false};
  std::thread thread_;
};

}  // namespace iprobe
