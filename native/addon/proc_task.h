// Small readers of /proc/PID/task that the ptrace engine needs.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace iprobe {

// Thread ids of `pid`; false when the process no longer exists.
bool ListTasks(pid_t pid, std::vector<pid_t>* tids);

// The one-letter scheduler state of a thread ('R', 'S', 'D', 'Z', 't', ...); 0 if it is gone.
char TaskState(pid_t pid, pid_t tid);

// Dead threads (zombies, or gone) run no code and cannot be attached.
bool TaskIsDead(pid_t pid, pid_t tid);

// The kernel function a sleeping thread waits in ("" when unknown).
std::string TaskWaitChannel(pid_t pid, pid_t tid);

// Time the thread has spent on a CPU, in ns (/proc/.../schedstat, exact
// to the moment of the read also while it runs); -1 if unknown.
long long TaskCpuTimeNs(pid_t pid, pid_t tid);

// TracerPid of a thread: the tid of the thread tracing it, 0 if none, -1 if unknown.
pid_t TaskTracer(pid_t pid, pid_t tid);

}  // namespace iprobe
