/** RELA relocation sections (.rela.dyn, .rela.plt) on top of the section data. */
import type { ElfFile, ElfSection } from './elf-file.js';
import { SHT_RELA } from './elf-constants.js';
import { readSymbols, type ElfSymbol } from './symbol-table.js';

const RELA_SIZE = 24;

export interface Relocation {
  /** Address the relocation writes (e.g. a GOT slot). */
  offset: number;
  type: number;
  symbol: ElfSymbol | undefined;
  addend: number;
  section: string;
}

export function readRelocations(elf: ElfFile): Relocation[] {
  const relocations: Relocation[] = [];
  const symbolCache = new Map<number, ElfSymbol[]>();
  for (const section of elf.sections) {
    if (section.type !== SHT_RELA) continue;
    const symbols = symbolsOf(elf, section, symbolCache);
    const d = section.data;
    for (let at = 0; at + RELA_SIZE <= d.length; at += RELA_SIZE) {
      const info = d.readBigUInt64LE(at + 8);
      const symbolIndex = Number(info >> 32n);
      relocations.push({
        offset: Number(d.readBigUInt64LE(at)),
        type: Number(info & 0xffffffffn),
        symbol: symbolIndex === 0 ? undefined : symbols[symbolIndex],
        addend: Number(d.readBigInt64LE(at + 16)),
        section: section.name,
      });
    }
  }
  return relocations;
}

function symbolsOf(elf: ElfFile, rela: ElfSection, cache: Map<number, ElfSymbol[]>): ElfSymbol[] {
  let symbols = cache.get(rela.link);
  if (!symbols) {
    const table = elf.sections[rela.link];
    symbols = table && rela.link !== 0 ? readSymbols(elf, table) : [];
    cache.set(rela.link, symbols);
  }
  return symbols;
}
