// Linear-sweep x86-64 decoding with Capstone: finds the branch instructions
// that reach given targets (the instrumentation hooks) and decodes short
// stretches of code (PLT stubs, sites) for inspection.
#pragma once
#include <capstone/capstone.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace iprobe {

enum class BranchForm : uint8_t {
  kCallRel = 1,  // call rel32
  kJmpRel = 2,   // jmp rel32 / rel8
  kCallMem = 3,  // call *disp(%rip)
  kJmpMem = 4,   // jmp *disp(%rip)
  kJccRel = 5,   // conditional jump rel8 / rel32
};

struct BranchSite {
  uint64_t address = 0;
  uint8_t length = 0;
  BranchForm form = BranchForm::kCallRel;
  uint64_t target = 0;  // branch target, or the memory slot for the *Mem forms
  std::optional<uint64_t> first_argument;  // %rdi before the branch, when known
};

// Branch destinations of interest: code addresses (PLT stubs, local
// definitions) and memory slots (GOT entries reached by -fno-plt calls).
struct BranchTargets {
  std::unordered_set<uint64_t> code;
  std::unordered_set<uint64_t> memory;
};

struct ScanStats {
  uint64_t instructions = 0;
  uint64_t undecodable_bytes = 0;
  uint64_t consumed_bytes = 0;  // where decoding stopped (an instruction boundary)
};

enum class InstructionClass : uint8_t { kOther, kCall, kJmp, kJcc, kRet, kEndbr64, kNop, kData };

struct Instruction {
  uint64_t address = 0;
  uint8_t size = 0;
  InstructionClass cls = InstructionClass::kOther;
  std::string text;                       // "mnemonic operands"
  std::optional<uint64_t> target;         // relative branch destination
  std::optional<uint64_t> memory_target;  // rip-relative memory operand address
};

class X86Decoder {
 public:
  X86Decoder();
  ~X86Decoder();
  X86Decoder(const X86Decoder&) = delete;
  X86Decoder& operator=(const X86Decoder&) = delete;

  // Decodes from `code` until the first instruction boundary at or past
  // `stop_after` bytes (or the end), so a caller can sweep in chunks.
  std::vector<BranchSite> FindBranchesTo(const uint8_t* code, size_t size, uint64_t address,
                                         size_t stop_after, const BranchTargets& targets,
                                         ScanStats* stats);
  std::vector<Instruction> Decode(const uint8_t* code, size_t size, uint64_t address,
                                  size_t max_count);

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

}  // namespace iprobe
