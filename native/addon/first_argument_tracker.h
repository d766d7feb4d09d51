// Recovers the constant that a -finstrument-functions hook receives as its
// first argument (the instrumented function's own address) from the
// straight-line instructions that precede the hook call. This is what lets
// coldpatch name the owning function of a site in a stripped binary.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace iprobe {

// The 16 general-purpose register families (rax/eax/ax/al are one family).
enum Gpr : uint8_t {
  kRax, kRcx, kRdx, kRbx, kRsp, kRbp, kRsi, kRdi,
  kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15,
  kNoGpr = 0xff,
};

// What one instruction does to the general-purpose registers, reduced to
// what constant propagation over a short window needs.
struct RegisterEffect {
  enum Kind : uint8_t {
    kNone,          // writes no general-purpose register
    kPadding,       // nop or int3 between functions or blocks
    kBarrier,       // ret / jmp / ud2 / hlt: the previous instruction is not a predecessor
    kCall,          // clobbers the caller-saved registers (SysV ABI)
    kLoadConstant,  // dst = value (lea disp(%rip), mov $imm)
    kCopy,          // dst = src (64-bit register move)
    kClobber,       // writes the registers in `written` with unknown values
  };
  Kind kind = kNone;
  Gpr dst = kNoGpr;
  Gpr src = kNoGpr;
  uint16_t written = 0;  // bit per Gpr family
  uint64_t value = 0;
};

// Two estimates of %rdi are kept. The exact one walks the last kWindow
// instructions backwards and gives up at the first ret/jmp, where the linear
// predecessor stops being the control-flow predecessor. The lenient one
// propagates constants forward and lets callee-saved registers keep their
// value across ret/jmp: GCC loads the function's own address into a
// callee-saved register once in the prologue and copies it into %rdi before
// every hook call, often hundreds of instructions and many blocks later.
// Forward branches carry the lenient state to their targets, so a cold block
// placed after the epilogue sees the registers of the code that jumps to it.
class FirstArgumentTracker {
 public:
  // Call before recording the instruction at `address`.
  void EnterInstruction(uint64_t address);
  // A branch from the current position to `target` (taken or not).
  void NoteForwardBranch(uint64_t target);
  void Record(const RegisterEffect& effect);
  // The value %rdi holds before the next instruction, when the recorded
  // history determines it; nullopt otherwise.
  std::optional<uint64_t> FirstArgument() const;

 private:
  std::optional<uint64_t> ExactFirstArgument() const;
  void Propagate(const RegisterEffect& effect);

  static constexpr size_t kWindow = 64;
  std::array<RegisterEffect, kWindow> ring_{};
  size_t count_ = 0;  // recorded effects still in the window
  size_t next_ = 0;   // ring slot the next effect goes to
  using RegisterState = std::array<std::optional<uint64_t>, 16>;
  static void Meet(RegisterState* into, const RegisterState& other);

  RegisterState forward_{};
  bool after_barrier_ = false;
  std::unordered_map<uint64_t, RegisterState> at_branch_target_;
};

}  // namespace iprobe
