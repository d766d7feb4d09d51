/** Typed wrapper of the addon's Capstone-based x86-64 scanner. */
import { loadAddon } from './load-addon.js';

export enum BranchForm {
  CallRel = 1,
  JmpRel = 2,
  CallMem = 3,
  JmpMem = 4,
  JccRel = 5,
}

export interface BranchScan {
  address: Float64Array;
  length: Uint8Array;
  form: Uint8Array;
  /** Branch destination, or the memory slot for the *Mem forms. */
  target: Float64Array;
  /** %rdi before the branch (an instrumented function's own address); NaN when unknown. */
  firstArgument: Float64Array;
  instructions: number;
  undecodableBytes: number;
  /** Bytes decoded: always ends on an instruction boundary. */
  consumedBytes: number;
}

export type InstructionClass = 'call' | 'jmp' | 'jcc' | 'ret' | 'endbr64' | 'nop' | 'data' | 'other';

export interface DecodedInstruction {
  address: number;
  size: number;
  class: InstructionClass;
  text: string;
  target?: number;
  memoryTarget?: number;
}

interface X86Binding {
  findBranchesTo(
    code: Uint8Array,
    address: number,
    codeTargets: Float64Array,
    memoryTargets: Float64Array,
    stopAfter?: number,
  ): BranchScan;
  decode(code: Uint8Array, address: number, maxCount: number): DecodedInstruction[];
  capstoneVersion(): string;
}

const binding = (): X86Binding => loadAddon<X86Binding>();

/**
 * Linear-sweep decode of `code` (mapped at `address`), returning the branches
 * that reach the targets. With `stopAfter`, decoding ends at the first
 * instruction boundary at or past that many bytes (see consumedBytes).
 */
export function findBranchesTo(
  code: Uint8Array,
  address: number,
  codeTargets: Iterable<number>,
  memoryTargets: Iterable<number>,
  stopAfter?: number,
): BranchScan {
  return binding().findBranchesTo(
    code,
    address,
    Float64Array.from(codeTargets),
    Float64Array.from(memoryTargets),
    stopAfter,
  );
}

export function decodeInstructions(code: Uint8Array, address: number, maxCount: number): DecodedInstruction[] {
  return binding().decode(code, address, maxCount);
}

export function capstoneVersion(): string {
  return binding().capstoneVersion();
}
