/**
 * Where calls to the instrumentation hooks go in one binary: the GOT slots the
 * dynamic linker fills for __cyg_profile_func_enter/exit, the PLT stubs that
 * jump through those slots (found by decoding the PLT sections, so lazy,
 * -z now, IBT .plt.sec and .plt.got layouts are all covered), and local
 * definitions (static links, or a program that defines the hooks itself).
 */
import type { ElfFile } from '../elf/elf-file.js';
import { isExecutableSection } from '../elf/address-space.js';
import { R_X86_64_64, R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT } from '../elf/elf-constants.js';
import type { Relocation } from '../elf/relocations.js';
import { isDefinedFunction, type ElfSymbol } from '../elf/symbol-table.js';
import { decodeInstructions, type DecodedInstruction } from '../native/x86-decoder.js';

export type HookKind = 'entry' | 'exit';

export const HOOK_SYMBOLS: ReadonlyMap<string, HookKind> = new Map([
  ['__cyg_profile_func_enter', 'entry'],
  ['__cyg_profile_func_exit', 'exit'],
]);

export interface HookTargets {
  /** Code addresses a call or jmp reaches: PLT stubs and local definitions. */
  code: Map<number, HookKind>;
  /** GOT slots a `call *slot(%rip)` reads (-fno-plt). */
  memory: Map<number, HookKind>;
  /** Whether the binary names the hooks at all (defined or imported). */
  referenced: boolean;
}

const GOT_RELOCATION_TYPES = new Set([R_X86_64_JUMP_SLOT, R_X86_64_GLOB_DAT, R_X86_64_64]);

export function isPltSection(name: string): boolean {
  return name === '.plt' || name.startsWith('.plt.');
}

export function findHookTargets(elf: ElfFile, symbols: readonly ElfSymbol[], relocations: readonly Relocation[]): HookTargets {
  const targets: HookTargets = { code: new Map(), memory: new Map(), referenced: false };
  for (const s of symbols) {
    const kind = HOOK_SYMBOLS.get(s.name);
    if (!kind) continue;
    targets.referenced = true;
    if (isDefinedFunction(s)) targets.code.set(s.value, kind);
  }
  for (const r of relocations) {
    const kind = r.symbol && HOOK_SYMBOLS.get(r.symbol.name);
    if (kind && GOT_RELOCATION_TYPES.has(r.type)) {
      targets.memory.set(r.offset, kind);
      targets.referenced = true;
    }
  }
  for (const section of elf.sections) {
    if (!isExecutableSection(section) || !isPltSection(section.name)) continue;
    const instructions = decodeInstructions(section.data, section.address, 0xffff_ffff);
    instructions.forEach((ins, i) => {
      const kind = ins.class === 'jmp' && ins.memoryTarget !== undefined ? targets.memory.get(ins.memoryTarget) : undefined;
      if (kind) targets.code.set(stubEntry(instructions, i), kind);
    });
  }
  return targets;
}

/** An IBT stub starts with the endbr64 right before its jmp; other stubs start at the jmp. */
function stubEntry(instructions: readonly DecodedInstruction[], jmpIndex: number): number {
  const jmp = instructions[jmpIndex]!;
  const previous = instructions[jmpIndex - 1];
  if (previous && previous.class === 'endbr64' && previous.address + previous.size === jmp.address) {
    return previous.address;
  }
  return jmp.address;
}
