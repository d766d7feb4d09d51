/**
 * Developer probe points written by IPROBE_POINT(name) (native/include/iprobe.h).
 * Section `iprobe_points` holds 16-byte records of four int32 offsets, each
 * relative to its own field: site, stub, name, handler slot.
 */
import type { ElfFile } from '../elf/elf-file.js';
import { bytesAt, isExecutableSection, sectionAt } from '../elf/address-space.js';
import { R_X86_64_RELATIVE, SHF_ALLOC, SHF_WRITE } from '../elf/elf-constants.js';
import type { Relocation } from '../elf/relocations.js';
import { ElfFormatError } from '../elf/elf-format-error.js';
import { printableName } from '../elf/string-table.js';
import { jmpRel32, nopOfLength } from './x86-placeholders.js';

export const IPROBE_POINTS_SECTION = 'iprobe_points';
const RECORD_SIZE = 16;
const POINT_LENGTH = 5;

export interface ProbePoint {
  address: number;
  name: string;
  stub: number;
  /** Bytes that switch the point on: jmp to its stub. */
  enable: Buffer;
  placeholder: Buffer;
}

export interface ProbePoints {
  points: ProbePoint[];
  slot: number;
  /** What the slot holds while no runtime is attached (relative to the link base). */
  slotDefault: number;
}

export function findProbePoints(elf: ElfFile, relocations: readonly Relocation[]): ProbePoints | undefined {
  const section = elf.sections.find((s) => s.name === IPROBE_POINTS_SECTION);
  if (!section || section.data.length < RECORD_SIZE) return undefined;
  const relative = (at: number) => section.address + at + section.data.readInt32LE(at);
  const points: ProbePoint[] = [];
  let slot: number | undefined;
  for (let at = 0; at + RECORD_SIZE <= section.data.length; at += RECORD_SIZE) {
    const address = relative(at);
    const stub = relative(at + 4);
    const name = readCString(elf, relative(at + 8));
    const recordSlot = relative(at + 12);
    if (slot !== undefined && slot !== recordSlot) {
      throw new ElfFormatError(`${IPROBE_POINTS_SECTION}: points disagree on the handler slot (0x${slot.toString(16)} vs 0x${recordSlot.toString(16)})`);
    }
    slot = recordSlot;
    const placeholder = nopOfLength(POINT_LENGTH);
    if (!inLoadedCode(elf, address, POINT_LENGTH) || !inLoadedCode(elf, stub, 1)) {
      throw new ElfFormatError(`${IPROBE_POINTS_SECTION}: point "${printableName(name)}" points outside the loaded code`);
    }
    points.push({ address, name, stub, enable: jmpRel32(address, stub), placeholder });
  }
  if (slot === undefined) return undefined;
  // The runtime stores the handler's address there.
  if (!inWritableData(elf, slot, 8)) {
    throw new ElfFormatError(`${IPROBE_POINTS_SECTION}: the handler slot 0x${slot.toString(16)} is not in writable data`);
  }
  return { points, slot, slotDefault: slotValue(elf, slot, relocations) };
}

/** Whether [address, address+length) is code of an executable section that the file holds. */
function inLoadedCode(elf: ElfFile, address: number, length: number): boolean {
  const section = sectionAt(elf, address, length);
  return section !== undefined && isExecutableSection(section) && bytesAt(elf, address, length) !== undefined;
}

function inWritableData(elf: ElfFile, address: number, length: number): boolean {
  const writable = SHF_ALLOC | SHF_WRITE;
  return elf.sections.some((s) => (s.flags & writable) === writable && address >= s.address && address + length <= s.address + s.size);
}

function slotValue(elf: ElfFile, slot: number, relocations: readonly Relocation[]): number {
  const relocation = relocations.find((r) => r.offset === slot && r.type === R_X86_64_RELATIVE);
  if (relocation) return relocation.addend;
  const bytes = bytesAt(elf, slot, 8);
  return bytes ? Number(bytes.readBigUInt64LE(0)) : 0;
}

function readCString(elf: ElfFile, address: number): string {
  const section = sectionAt(elf, address);
  if (!section) return `point_${address.toString(16)}`;
  const start = address - section.address;
  const end = section.data.indexOf(0, start);
  return section.data.toString('utf8', start, end < 0 ? section.data.length : end);
}
