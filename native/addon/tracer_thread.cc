#include "tracer_thread.h"

#include <signal.h>
#include <sys/prctl.h>

#include <chrono>

#include "stopped_process.h"

namespace iprobe {

TracerThread& TracerThread::Get() {
  // Destroyed at exit(): the destructor waits for the current job, so a
  // process.exit() in the middle of an operation still resumes the target.
  static TracerThread instance;
  return instance;
}

TracerThread::TracerThread() {
  // Signals are for Node's main thread: a handler running here could never
  // interrupt a half-done operation, but it could delay one.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { Loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

TracerThread::~TracerThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TracerThread::Post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void TracerThread::Loop() {
  prctl(PR_SET_NAME, "iprobe-tracer");
  // Polling for ptrace stops sleeps a few microseconds at a time; the
  // default 50 us timer slack would stretch every stop window.
  prctl(PR_SET_TIMERSLACK, 1UL);
  bool leftovers = false;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto ready = [this] { return stopping_ || !jobs_.empty(); };
      if (leftovers) {
        wake_.wait_for(lock, std::chrono::milliseconds(10), ready);
      } else {
        wake_.wait(lock, ready);
      }
      // At exit, jobs not yet started are dropped: none has touched a process.
      if (stopping_) return;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
    }
    if (job) job();
    leftovers = DetachLeftoverThreads();
  }
}

}  // namespace iprobe
