/**
 * Functions compiled with -fpatchable-function-entry=N: the compiler already
 * left N bytes of NOPs at the entry and listed their addresses in the
 * __patchable_function_entries section. Coldpatch records them as sites; it
 * does not rewrite them.
 */
import type { ElfFile } from '../elf/elf-file.js';
import { bytesAt } from '../elf/address-space.js';
import { R_X86_64_64, R_X86_64_RELATIVE } from '../elf/elf-constants.js';
import type { Relocation } from '../elf/relocations.js';
import { decodeInstructions } from '../native/x86-decoder.js';

export const PATCHABLE_ENTRIES_SECTION = '__patchable_function_entries';

export interface PatchableEntry {
  address: number;
  bytes: Buffer;
}

export function findPatchableEntries(elf: ElfFile, relocations: readonly Relocation[]): PatchableEntry[] {
  const entries: PatchableEntry[] = [];
  const seen = new Set<number>();
  for (const section of elf.sections) {
    if (section.name !== PATCHABLE_ENTRIES_SECTION) continue;
    // In a PIE the dynamic relocation carries the address; the file copy may be 0.
    const relocated = new Map<number, number>();
    for (const r of relocations) {
      if ((r.type === R_X86_64_RELATIVE || r.type === R_X86_64_64) && r.offset >= section.address && r.offset < section.address + section.size) {
        relocated.set(r.offset, r.addend + (r.symbol?.value ?? 0));
      }
    }
    for (let at = 0; at + 8 <= section.data.length; at += 8) {
      const address = relocated.get(section.address + at) ?? Number(section.data.readBigUInt64LE(at));
      if (address === 0 || seen.has(address)) continue;
      const nops = leadingNopBytes(elf, address);
      if (nops.length > 0) {
        seen.add(address);
        entries.push({ address, bytes: nops });
      }
    }
  }
  return entries.sort((a, b) => a.address - b.address);
}

/** The run of NOP instructions starting at `address` (what the compiler reserved). */
function leadingNopBytes(elf: ElfFile, address: number): Buffer {
  const window = bytesAt(elf, address, 16) ?? bytesAt(elf, address, 1);
  if (!window) return Buffer.alloc(0);
  let length = 0;
  for (const ins of decodeInstructions(window, address, 16)) {
    if (ins.class !== 'nop') break;
    length += ins.size;
  }
  return Buffer.from(window.subarray(0, length));
}
