#include "realtime_priority.h"

namespace iprobe {

RealtimePriority::RealtimePriority() {
  old_policy_ = sched_getscheduler(0);
  if (old_policy_ < 0 || sched_getparam(0, &old_param_) != 0) return;
  if (old_policy_ == SCHED_FIFO || old_policy_ == SCHED_RR) return;  // already real-time
  sched_param param{};
  param.sched_priority = sched_get_priority_min(SCHED_FIFO);
  raised_ = sched_setscheduler(0, SCHED_FIFO, &param) == 0;
}

RealtimePriority::~RealtimePriority() {
  if (raised_) sched_setscheduler(0, old_policy_, &old_param_);
}

}  // namespace iprobe
