/** Symbol tables (.symtab, .dynsym) on top of the section data. */
import type { ElfFile, ElfSection } from './elf-file.js';
import { SHN_UNDEF, SHT_DYNSYM, SHT_SYMTAB, STT_FUNC, STT_GNU_IFUNC } from './elf-constants.js';
import { stringAt } from './string-table.js';

const SYMBOL_SIZE = 24;

export interface ElfSymbol {
  /** Index in its table (relocations refer to it). */
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  sectionIndex: number;
}

export function readSymbols(elf: ElfFile, table: ElfSection): ElfSymbol[] {
  const strings = elf.sections[table.link];
  const count = Math.floor(table.data.length / SYMBOL_SIZE);
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * SYMBOL_SIZE;
    const d = table.data;
    const info = d[at + 4]!;
    symbols.push({
      index: i,
      name: stringAt(strings, d.readUInt32LE(at)),
      type: info & 0xf,
      bind: info >> 4,
      sectionIndex: d.readUInt16LE(at + 6),
      value: Number(d.readBigUInt64LE(at + 8)),
      size: Number(d.readBigUInt64LE(at + 16)),
    });
  }
  return symbols;
}

/** The static symbol table, or [] for a stripped file. */
export function staticSymbols(elf: ElfFile): ElfSymbol[] {
  const table = elf.sections.find((s) => s.type === SHT_SYMTAB);
  return table ? readSymbols(elf, table) : [];
}

export function dynamicSymbols(elf: ElfFile): ElfSymbol[] {
  const table = elf.sections.find((s) => s.type === SHT_DYNSYM);
  return table ? readSymbols(elf, table) : [];
}

export function isDefinedFunction(s: ElfSymbol): boolean {
  return (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.sectionIndex !== SHN_UNDEF && s.value !== 0;
}
