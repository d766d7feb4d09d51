#include "thread_frames.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>

namespace iprobe {
namespace {

char* g_debuginfo_path = nullptr;

const Dwfl_Callbacks kProcessCallbacks = {
    dwfl_linux_proc_find_elf,
    dwfl_standard_find_debuginfo,
    nullptr,
    &g_debuginfo_path,
};

struct Walk {
  std::vector<uint64_t>* frames;
  size_t max_frames;
};

int OnFrame(Dwfl_Frame* frame, void* arg) {
  Walk* walk = static_cast<Walk*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  // A caller's pc is its return address: the call instruction ends there.
  walk->frames->push_back(activation ? pc : pc - 1);
  return walk->frames->size() < walk->max_frames ? DWARF_CB_OK : DWARF_CB_ABORT;
}

}  // namespace

ThreadFrames::ThreadFrames(pid_t pid) {
  dwfl_ = dwfl_begin(&kProcessCallbacks);
  if (!dwfl_) return;
  if (dwfl_linux_proc_report(dwfl_, pid) != 0 || dwfl_report_end(dwfl_, nullptr, nullptr) != 0) return;
  // true: our tracer thread has stopped every thread; libdwfl must not attach.
  attached_ = dwfl_linux_proc_attach(dwfl_, pid, true) == 0;
}

ThreadFrames::~ThreadFrames() {
  if (dwfl_) dwfl_end(dwfl_);
}

std::vector<uint64_t> ThreadFrames::Of(pid_t tid, size_t max_frames, bool* complete) {
  std::vector<uint64_t> frames;
  *complete = false;
  if (!attached_) return frames;
  Walk walk{&frames, max_frames};
  const int result = dwfl_getthread_frames(dwfl_, tid, OnFrame, &walk);
  // 0: the unwinder reached the outermost frame (no CFI says there is more).
  *complete = result == 0;
  return frames;
}

}  // namespace iprobe
