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

std::string LastDwflError() {
  const char* message = dwfl_errmsg(-1);
  return message && *message ? message : "unknown libdwfl error";
}

}  // namespace

ThreadFrames::ThreadFrames(pid_t pid) {
  dwfl_ = dwfl_begin(&kProcessCallbacks);
  if (!dwfl_) {
    error_ = "libdwfl could not start: " + LastDwflError();
    return;
  }
  if (dwfl_linux_proc_report(dwfl_, pid) != 0 || dwfl_report_end(dwfl_, nullptr, nullptr) != 0) {
    error_ = "the objects mapped in process " + std::to_string(pid) + " could not be read: " + LastDwflError();
    return;
  }
  // true: our tracer thread has stopped every thread; libdwfl must not attach.
  attached_ = dwfl_linux_proc_attach(dwfl_, pid, true) == 0;
  if (!attached_) error_ = "libdwfl could not attach to process " + std::to_string(pid) + ": " + LastDwflError();
}

ThreadFrames::~ThreadFrames() {
  if (dwfl_) dwfl_end(dwfl_);
}

UnwoundStack ThreadFrames::Of(pid_t tid, size_t max_frames) {
  UnwoundStack stack;
  if (!attached_) {
    stack.why = error_;
    return stack;
  }
  Walk walk{&stack.pcs, max_frames};
  const int result = dwfl_getthread_frames(dwfl_, tid, OnFrame, &walk);
  // 0: the unwinder reached a frame whose CFI says it has no caller (_start,
  // clone3's child: `.cfi_undefined rip`). On x86-64 libdwfl reports that
  // end as 0, not as an error; -1 is a real failure (no CFI for a pc, a
  // return address outside every mapping, an unreadable stack).
  if (result == 0) {
    stack.end = UnwoundStack::End::kOutermost;
  } else if (result == DWARF_CB_ABORT && stack.pcs.size() >= max_frames) {
    stack.end = UnwoundStack::End::kDepthLimit;
  } else {
    stack.end = UnwoundStack::End::kStopped;
    stack.why = result == -1 ? LastDwflError() : "a frame's pc could not be read";
  }
  return stack;
}

}  // namespace iprobe
