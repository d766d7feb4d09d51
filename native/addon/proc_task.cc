#include "proc_task.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace iprobe {
namespace {

// Reads a small /proc file; "" on failure.
std::string ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string TaskPath(pid_t pid, pid_t tid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/" + file;
}

}  // namespace

bool ListTasks(pid_t pid, std::vector<pid_t>* tids) {
  tids->clear();
  std::string path = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(path.c_str());
  if (!dir) return false;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    tids->push_back(static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10)));
  }
  closedir(dir);
  return true;
}

char TaskState(pid_t pid, pid_t tid) {
  // The state follows the command name, which is in parentheses and may itself contain ')'.
  std::string stat = ReadSmallFile(TaskPath(pid, tid, "stat"));
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat.size()) return 0;
  return stat[close_paren + 2];
}

bool TaskIsDead(pid_t pid, pid_t tid) {
  char state = TaskState(pid, tid);
  return state == 0 || state == 'Z' || state == 'X';
}

std::string TaskWaitChannel(pid_t pid, pid_t tid) {
  std::string wchan = ReadSmallFile(TaskPath(pid, tid, "wchan"));
  return wchan == "0" ? "" : wchan;
}

long long TaskCpuTimeNs(pid_t pid, pid_t tid) {
  std::string schedstat = ReadSmallFile(TaskPath(pid, tid, "schedstat"));
  if (schedstat.empty() || schedstat[0] < '0' || schedstat[0] > '9') return -1;
  return std::strtoll(schedstat.c_str(), nullptr, 10);
}

pid_t TaskTracer(pid_t pid, pid_t tid) {
  std::string status = ReadSmallFile(TaskPath(pid, tid, "status"));
  size_t at = status.find("\nTracerPid:");
  if (at == std::string::npos) return -1;
  return static_cast<pid_t>(std::strtol(status.c_str() + at + 11, nullptr, 10));
}

}  // namespace iprobe
