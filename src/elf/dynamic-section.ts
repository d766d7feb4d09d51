/** The dynamic section: needed libraries and binding flags. */
import type { ElfFile } from './elf-file.js';
import {
  DF_1_NOW,
  DF_1_PIE,
  DF_BIND_NOW,
  DT_FLAGS,
  DT_FLAGS_1,
  DT_NEEDED,
  DT_NULL,
  PT_GNU_RELRO,
  PT_INTERP,
  SHT_DYNAMIC,
} from './elf-constants.js';
import { stringAt } from './string-table.js';

export interface DynamicInfo {
  needed: string[];
  bindNow: boolean;
  pie: boolean;
  /** Has a PT_GNU_RELRO segment; with bindNow that is full RELRO (read-only GOT). */
  relro: boolean;
  interpreter: boolean;
  isDynamic: boolean;
}

export function readDynamicInfo(elf: ElfFile): DynamicInfo {
  const section = elf.sections.find((s) => s.type === SHT_DYNAMIC);
  const info: DynamicInfo = {
    needed: [],
    bindNow: false,
    pie: false,
    relro: elf.segments.some((s) => s.type === PT_GNU_RELRO),
    interpreter: elf.segments.some((s) => s.type === PT_INTERP),
    isDynamic: section !== undefined,
  };
  if (!section) return info;
  const strings = elf.sections[section.link];
  const d = section.data;
  for (let at = 0; at + 16 <= d.length; at += 16) {
    const tag = Number(d.readBigInt64LE(at));
    const value = d.readBigUInt64LE(at + 8);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) info.needed.push(stringAt(strings, Number(value)));
    if (tag === DT_FLAGS && (value & BigInt(DF_BIND_NOW)) !== 0n) info.bindNow = true;
    if (tag === DT_FLAGS_1) {
      if ((value & BigInt(DF_1_NOW)) !== 0n) info.bindNow = true;
      if ((value & BigInt(DF_1_PIE)) !== 0n) info.pie = true;
    }
  }
  return info;
}
