/* FPerf's counters through perf_event_open(2) itself: one group per thread
 * (the first event leads), counting that thread on any CPU, read with one
 * read(2) of the leader (PERF_FORMAT_GROUP). Used where PAPI cannot count
 * the kernel's generic events (see counters.h). The control thread opens a
 * group for another thread of the process (pid = its tid: same process, so
 * perf_event_paranoid's ptrace check passes), and that thread's hooks only
 * read it. Raw syscalls throughout: glibc's read() is a cancellation point,
 * and a hook must never be where a thread gets cancelled; syscall() is not
 * one. errno is the handlers' to give back (hooks.c). */
#include <errno.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counters.h"
#include "kernel_events.h"

static int IPROBE_NOINSTR open_event(struct perf_event_attr *attr, uint32_t tid, int group) {
  return (int)syscall(SYS_perf_event_open, attr, (pid_t)tid /* 0: this thread */, -1 /* any CPU */, group,
                      PERF_FLAG_FD_CLOEXEC);
}

int iprobe_kernel_counters_open(struct iprobe_counter_set *s, const struct iprobe_fperf_config *config, uint32_t tid,
                                const char **call) {
  *call = "perf_event_open";
  for (int i = 0; i < config->count; i++) {
    struct perf_event_attr attr;
    iprobe_kernel_event_attr(&config->kernel[i], i == 0, &attr);
    int fd = open_event(&attr, tid, i == 0 ? -1 : s->fds[0]);
    if (fd < 0) {
      int error = errno;
      iprobe_kernel_counters_close(s);
      s->failed_event = (uint32_t)i;
      return error;
    }
    s->fds[i] = fd;
    s->events = (uint32_t)i + 1;
  }
  *call = "PERF_EVENT_IOC_ENABLE";
  if (syscall(SYS_ioctl, s->fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP) != 0) {
    int error = errno;
    iprobe_kernel_counters_close(s);
    s->failed_event = (uint32_t)config->count;
    return error;
  }
  return 0;
}

int iprobe_kernel_counters_read(struct iprobe_counter_set *s, long long *values) {
  /* PERF_FORMAT_GROUP without other flags: { nr, value[nr] } */
  uint64_t buffer[1 + IPROBE_FPERF_MAX_EVENTS];
  long n = syscall(SYS_read, s->fds[0], buffer, sizeof buffer);
  if (n < 0) return errno;
  if ((size_t)n < sizeof(uint64_t) * (1 + s->events) || buffer[0] != s->events) return EIO;
  for (uint32_t e = 0; e < s->events; e++) values[e] = (long long)buffer[1 + e];
  return 0;
}

void iprobe_kernel_counters_close(struct iprobe_counter_set *s) {
  /* members first: closing the leader first would detach them into groups of their own */
  for (int i = IPROBE_FPERF_MAX_EVENTS - 1; i >= 0; i--) {
    if (s->fds[i] >= 0) syscall(SYS_close, s->fds[i]);
    s->fds[i] = -1;
  }
  s->events = 0;
}
