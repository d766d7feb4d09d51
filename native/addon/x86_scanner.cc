#include "x86_scanner.h"

#include <stdexcept>

#include "first_argument_tracker.h"

namespace iprobe {
namespace {

Gpr GprFamily(unsigned reg) {
  switch (reg) {
    case X86_REG_AL: case X86_REG_AH: case X86_REG_AX: case X86_REG_EAX: case X86_REG_RAX: return kRax;
    case X86_REG_CL: case X86_REG_CH: case X86_REG_CX: case X86_REG_ECX: case X86_REG_RCX: return kRcx;
    case X86_REG_DL: case X86_REG_DH: case X86_REG_DX: case X86_REG_EDX: case X86_REG_RDX: return kRdx;
    case X86_REG_BL: case X86_REG_BH: case X86_REG_BX: case X86_REG_EBX: case X86_REG_RBX: return kRbx;
    case X86_REG_SPL: case X86_REG_SP: case X86_REG_ESP: case X86_REG_RSP: return kRsp;
    case X86_REG_BPL: case X86_REG_BP: case X86_REG_EBP: case X86_REG_RBP: return kRbp;
    case X86_REG_SIL: case X86_REG_SI: case X86_REG_ESI: case X86_REG_RSI: return kRsi;
    case X86_REG_DIL: case X86_REG_DI: case X86_REG_EDI: case X86_REG_RDI: return kRdi;
    case X86_REG_R8B: case X86_REG_R8W: case X86_REG_R8D: case X86_REG_R8: return kR8;
    case X86_REG_R9B: case X86_REG_R9W: case X86_REG_R9D: case X86_REG_R9: return kR9;
    case X86_REG_R10B: case X86_REG_R10W: case X86_REG_R10D: case X86_REG_R10: return kR10;
    case X86_REG_R11B: case X86_REG_R11W: case X86_REG_R11D: case X86_REG_R11: return kR11;
    case X86_REG_R12B: case X86_REG_R12W: case X86_REG_R12D: case X86_REG_R12: return kR12;
    case X86_REG_R13B: case X86_REG_R13W: case X86_REG_R13D: case X86_REG_R13: return kR13;
    case X86_REG_R14B: case X86_REG_R14W: case X86_REG_R14D: case X86_REG_R14: return kR14;
    case X86_REG_R15B: case X86_REG_R15W: case X86_REG_R15D: case X86_REG_R15: return kR15;
    default: return kNoGpr;
  }
}

bool IsRipRelative(const cs_x86_op& op) {
  return op.type == X86_OP_MEM && op.mem.base == X86_REG_RIP && op.mem.index == X86_REG_INVALID;
}

uint64_t RipRelativeAddress(const cs_insn& insn, const cs_x86_op& op) {
  return insn.address + insn.size + static_cast<uint64_t>(op.mem.disp);
}

bool IsJump(const cs_insn& insn) {
  const cs_detail* d = insn.detail;
  for (uint8_t i = 0; i < d->groups_count; i++) {
    if (d->groups[i] == X86_GRP_JUMP) return true;
  }
  return false;
}

InstructionClass Classify(const cs_insn& insn) {
  switch (insn.id) {
    case X86_INS_INVALID: return InstructionClass::kData;
    case X86_INS_CALL: return InstructionClass::kCall;
    case X86_INS_JMP: return InstructionClass::kJmp;
    case X86_INS_RET: return InstructionClass::kRet;
    case X86_INS_ENDBR64: return InstructionClass::kEndbr64;
    case X86_INS_NOP: return InstructionClass::kNop;
    default: return IsJump(insn) ? InstructionClass::kJcc : InstructionClass::kOther;
  }
}

uint16_t WrittenGprs(const cs_insn& insn) {
  const cs_x86& x = insn.detail->x86;
  uint16_t mask = 0;
  for (uint8_t i = 0; i < x.op_count; i++) {
    const cs_x86_op& op = x.operands[i];
    if (op.type == X86_OP_REG && (op.access & CS_AC_WRITE)) {
      Gpr g = GprFamily(op.reg);
      if (g != kNoGpr) mask |= static_cast<uint16_t>(1u << g);
    }
  }
  const cs_detail* d = insn.detail;
  for (uint8_t i = 0; i < d->regs_write_count; i++) {
    Gpr g = GprFamily(d->regs_write[i]);
    if (g != kNoGpr) mask |= static_cast<uint16_t>(1u << g);
  }
  return mask;
}

RegisterEffect DescribeRegisterEffect(const cs_insn& insn, InstructionClass cls) {
  RegisterEffect e;
  switch (cls) {
    case InstructionClass::kRet:
    case InstructionClass::kJmp:
    case InstructionClass::kData:
      e.kind = RegisterEffect::kBarrier;
      return e;
    case InstructionClass::kCall:
      e.kind = RegisterEffect::kCall;
      return e;
    case InstructionClass::kNop:
      e.kind = RegisterEffect::kPadding;
      return e;
    default:
      break;
  }
  if (insn.id == X86_INS_INT3) {
    e.kind = RegisterEffect::kPadding;
    return e;
  }
  if (insn.id == X86_INS_UD2 || insn.id == X86_INS_HLT) {
    e.kind = RegisterEffect::kBarrier;
    return e;
  }
  e.written = WrittenGprs(insn);
  if (e.written == 0) return e;
  e.kind = RegisterEffect::kClobber;

  const cs_x86& x = insn.detail->x86;
  if (x.op_count != 2 || x.operands[0].type != X86_OP_REG) return e;
  const cs_x86_op& dst = x.operands[0];
  const cs_x86_op& src = x.operands[1];
  const Gpr dst_gpr = GprFamily(dst.reg);
  if (dst_gpr == kNoGpr || (dst.size != 8 && dst.size != 4)) return e;
  // A 32-bit destination zero-extends into the full register.
  const uint64_t width_mask = dst.size == 8 ? ~0ull : 0xffffffffull;

  if (insn.id == X86_INS_LEA && IsRipRelative(src)) {
    e.kind = RegisterEffect::kLoadConstant;
    e.dst = dst_gpr;
    e.value = RipRelativeAddress(insn, src) & width_mask;
  } else if ((insn.id == X86_INS_MOV || insn.id == X86_INS_MOVABS) && src.type == X86_OP_IMM) {
    e.kind = RegisterEffect::kLoadConstant;
    e.dst = dst_gpr;
    e.value = static_cast<uint64_t>(src.imm) & width_mask;
  } else if (insn.id == X86_INS_MOV && src.type == X86_OP_REG && dst.size == 8 && src.size == 8 &&
             GprFamily(src.reg) != kNoGpr) {
    e.kind = RegisterEffect::kCopy;
    e.dst = dst_gpr;
    e.src = GprFamily(src.reg);
  }
  return e;
}

}  // namespace

X86Decoder::X86Decoder() {
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) {
    throw std::runtime_error("capstone: cannot open an x86-64 decoder");
  }
  cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);
  // Undecodable bytes come back as one-byte data pseudo-instructions instead
  // of ending the sweep.
  cs_option(handle_, CS_OPT_SKIPDATA, CS_OPT_ON);
  insn_ = cs_malloc(handle_);
}

X86Decoder::~X86Decoder() {
  if (insn_ != nullptr) cs_free(insn_, 1);
  cs_close(&handle_);
}

std::vector<BranchSite> X86Decoder::FindBranchesTo(const uint8_t* code, size_t size,
                                                   uint64_t address, size_t stop_after,
                                                   const BranchTargets& targets,
                                                   ScanStats* stats) {
  std::vector<BranchSite> sites;
  FirstArgumentTracker tracker;
  const uint64_t start = address;
  while (size > 0 && address - start < stop_after &&
         cs_disasm_iter(handle_, &code, &size, &address, insn_)) {
    const cs_insn& insn = *insn_;
    const InstructionClass cls = Classify(insn);
    tracker.EnterInstruction(insn.address);
    stats->instructions++;
    if (cls == InstructionClass::kData) stats->undecodable_bytes += insn.size;

    if (cls == InstructionClass::kCall || cls == InstructionClass::kJmp ||
        cls == InstructionClass::kJcc) {
      const cs_x86& x = insn.detail->x86;
      if (x.op_count == 1) {
        const cs_x86_op& op = x.operands[0];
        if (op.type == X86_OP_IMM && cls != InstructionClass::kCall &&
            static_cast<uint64_t>(op.imm) > insn.address) {
          tracker.NoteForwardBranch(static_cast<uint64_t>(op.imm));
        }
        BranchSite site;
        site.address = insn.address;
        site.length = static_cast<uint8_t>(insn.size);
        bool hit = false;
        if (op.type == X86_OP_IMM && targets.code.count(static_cast<uint64_t>(op.imm))) {
          site.target = static_cast<uint64_t>(op.imm);
          site.form = cls == InstructionClass::kCall  ? BranchForm::kCallRel
                      : cls == InstructionClass::kJmp ? BranchForm::kJmpRel
                                                      : BranchForm::kJccRel;
          hit = true;
        } else if (cls != InstructionClass::kJcc && IsRipRelative(op) &&
                   targets.memory.count(RipRelativeAddress(insn, op))) {
          site.target = RipRelativeAddress(insn, op);
          site.form = cls == InstructionClass::kCall ? BranchForm::kCallMem : BranchForm::kJmpMem;
          hit = true;
        }
        if (hit) {
          site.first_argument = tracker.FirstArgument();
          sites.push_back(site);
        }
      }
    }
    tracker.Record(DescribeRegisterEffect(insn, cls));
  }
  stats->consumed_bytes = address - start;
  return sites;
}

std::vector<Instruction> X86Decoder::Decode(const uint8_t* code, size_t size, uint64_t address,
                                            size_t max_count) {
  std::vector<Instruction> out;
  while (out.size() < max_count && size > 0 &&
         cs_disasm_iter(handle_, &code, &size, &address, insn_)) {
    const cs_insn& insn = *insn_;
    Instruction ins;
    ins.address = insn.address;
    ins.size = static_cast<uint8_t>(insn.size);
    ins.cls = Classify(insn);
    ins.text = std::string(insn.mnemonic) + (insn.op_str[0] ? " " : "") + insn.op_str;
    if (ins.cls != InstructionClass::kData) {
      const cs_x86& x = insn.detail->x86;
      for (uint8_t i = 0; i < x.op_count; i++) {
        const cs_x86_op& op = x.operands[i];
        if (IsRipRelative(op)) ins.memory_target = RipRelativeAddress(insn, op);
        if (op.type == X86_OP_IMM &&
            (ins.cls == InstructionClass::kCall || ins.cls == InstructionClass::kJmp ||
             ins.cls == InstructionClass::kJcc)) {
          ins.target = static_cast<uint64_t>(op.imm);
        }
      }
    }
    out.push_back(std::move(ins));
  }
  return out;
}

}  // namespace iprobe
