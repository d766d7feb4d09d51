#include "first_argument_tracker.h"

namespace iprobe {
namespace {

// SysV x86-64: a call may change rax, rcx, rdx, rsi, rdi, r8-r11.
constexpr uint16_t kCallerSaved = (1u << kRax) | (1u << kRcx) | (1u << kRdx) | (1u << kRsi) |
                                  (1u << kRdi) | (1u << kR8) | (1u << kR9) | (1u << kR10) |
                                  (1u << kR11);

}  // namespace

void FirstArgumentTracker::Meet(RegisterState* into, const RegisterState& other) {
  for (size_t r = 0; r < into->size(); r++) {
    if ((*into)[r] != other[r]) (*into)[r].reset();
  }
}

void FirstArgumentTracker::EnterInstruction(uint64_t address) {
  auto it = at_branch_target_.find(address);
  if (it == at_branch_target_.end()) return;
  if (after_barrier_) {
    forward_ = it->second;
  } else {
    Meet(&forward_, it->second);
  }
  at_branch_target_.erase(it);
}

void FirstArgumentTracker::NoteForwardBranch(uint64_t target) {
  auto [it, inserted] = at_branch_target_.try_emplace(target, forward_);
  if (!inserted) Meet(&it->second, forward_);
}

void FirstArgumentTracker::Record(const RegisterEffect& effect) {
  // Padding after a ret or jmp is never executed: the next real instruction
  // is still reached only by branches.
  after_barrier_ = effect.kind == RegisterEffect::kBarrier ||
                   (effect.kind == RegisterEffect::kPadding && after_barrier_);
  ring_[next_] = effect;
  next_ = (next_ + 1) % kWindow;
  if (count_ < kWindow) count_++;
  Propagate(effect);
}

void FirstArgumentTracker::Propagate(const RegisterEffect& e) {
  auto clear = [this](uint16_t mask) {
    for (unsigned r = 0; r < forward_.size(); r++) {
      if (mask & (1u << r)) forward_[r].reset();
    }
  };
  switch (e.kind) {
    case RegisterEffect::kNone:
    case RegisterEffect::kPadding:
      break;
    case RegisterEffect::kBarrier:
    case RegisterEffect::kCall:
      clear(kCallerSaved);
      break;
    case RegisterEffect::kLoadConstant:
      clear(e.written);
      forward_[e.dst] = e.value;
      break;
    case RegisterEffect::kCopy: {
      std::optional<uint64_t> v = forward_[e.src];
      clear(e.written);
      forward_[e.dst] = v;
      break;
    }
    case RegisterEffect::kClobber:
      clear(e.written);
      break;
  }
}

std::optional<uint64_t> FirstArgumentTracker::FirstArgument() const {
  if (std::optional<uint64_t> exact = ExactFirstArgument()) return exact;
  return forward_[kRdi];
}

std::optional<uint64_t> FirstArgumentTracker::ExactFirstArgument() const {
  Gpr wanted = kRdi;
  for (size_t back = 1; back <= count_; back++) {
    const RegisterEffect& e = ring_[(next_ + kWindow - back) % kWindow];
    const uint16_t bit = static_cast<uint16_t>(1u << wanted);
    switch (e.kind) {
      case RegisterEffect::kNone:
      case RegisterEffect::kPadding:
        continue;
      case RegisterEffect::kBarrier:
        return std::nullopt;
      case RegisterEffect::kCall:
        // A value kept in a callee-saved register survives the call.
        if (kCallerSaved & bit) return std::nullopt;
        continue;
      case RegisterEffect::kLoadConstant:
        if (e.dst == wanted) return e.value;
        if (e.written & bit) return std::nullopt;
        continue;
      case RegisterEffect::kCopy:
        if (e.dst == wanted) {
          wanted = e.src;
          continue;
        }
        if (e.written & bit) return std::nullopt;
        continue;
      case RegisterEffect::kClobber:
        if (e.written & bit) return std::nullopt;
        continue;
    }
  }
  return std::nullopt;
}

}  // namespace iprobe
