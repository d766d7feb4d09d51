/** Link-time addresses of an ELF file, and the file bytes behind them. */
import type { ElfFile, ElfSection } from './elf-file.js';
import { PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS } from './elf-constants.js';
import { ElfFormatError } from './elf-format-error.js';
import { printableName } from './string-table.js';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Lowest PT_LOAD address rounded down to its alignment: the object's link base. */
export function linkBase(elf: ElfFile): number {
  let base = Infinity;
  for (const s of elf.segments) {
    if (s.type !== PT_LOAD) continue;
    const align = s.align > 1 ? s.align : 1;
    base = Math.min(base, s.address - (s.address % align));
  }
  return base === Infinity ? 0 : base;
}

/** File offset of `address` when the byte is backed by the file; undefined otherwise. */
export function fileOffsetOf(elf: ElfFile, address: number, length = 1): number | undefined {
  for (const s of elf.segments) {
    if (s.type !== PT_LOAD) continue;
    if (address >= s.address && address + length <= s.address + s.fileSize) return s.offset + (address - s.address);
  }
  return undefined;
}

/** The allocated section (with file contents) holding [address, address+length). */
export function sectionAt(elf: ElfFile, address: number, length = 1): ElfSection | undefined {
  return elf.sections.find(
    (s) =>
      (s.flags & SHF_ALLOC) !== 0 &&
      s.type !== SHT_NOBITS &&
      address >= s.address &&
      address + length <= s.address + s.size,
  );
}

export function isExecutableSection(s: ElfSection): boolean {
  return (s.flags & SHF_EXECINSTR) !== 0 && (s.flags & SHF_ALLOC) !== 0 && s.type !== SHT_NOBITS;
}

/** `length` bytes of the file at link-time `address`, or undefined when not file-backed. */
export function bytesAt(elf: ElfFile, address: number, length: number): Buffer | undefined {
  const offset = fileOffsetOf(elf, address, length);
  return offset === undefined ? undefined : elf.bytes.subarray(offset, offset + length);
}

/**
 * Checks that a file-backed section's bytes are the bytes a PT_LOAD segment
 * maps at the section's address. Scans read the section; patches are written
 * through the segments: in a damaged file the two can name different bytes,
 * and a patch computed from one would land on the other.
 */
export function checkSectionLoaded(elf: ElfFile, section: ElfSection): void {
  if (section.data.length === 0) return;
  const range = `${section.name ? printableName(section.name) : `section ${section.index}`} (${hex(section.address)}, ${hex(section.size)} bytes)`;
  const offset = fileOffsetOf(elf, section.address, section.size);
  if (offset === undefined) throw new ElfFormatError(`${range} lies outside every loadable segment`);
  if (offset !== section.offset) {
    throw new ElfFormatError(`${range} is at file offset ${hex(section.offset)}, but its loadable segment maps ${hex(offset)} there`);
  }
}
