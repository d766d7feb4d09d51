/** ELF notes; iprobe reads the GNU build-id. */
import type { ElfFile } from './elf-file.js';
import { NT_GNU_BUILD_ID, SHT_NOTE } from './elf-constants.js';

const align4 = (n: number) => (n + 3) & ~3;

export interface ElfNote {
  name: string;
  type: number;
  descriptor: Buffer;
}

/** The notes of one SHT_NOTE section's bytes, up to the first that does not fit. */
export function parseNotes(d: Buffer): ElfNote[] {
  const notes: ElfNote[] = [];
  for (let at = 0; at + 12 <= d.length; ) {
    const nameSize = d.readUInt32LE(at);
    const descSize = d.readUInt32LE(at + 4);
    const type = d.readUInt32LE(at + 8);
    const nameStart = at + 12;
    const descStart = nameStart + align4(nameSize);
    const next = descStart + align4(descSize);
    if (next > d.length || next <= at) break;
    notes.push({
      name: d.toString('latin1', nameStart, nameStart + Math.max(0, nameSize - 1)),
      type,
      descriptor: d.subarray(descStart, descStart + descSize),
    });
    at = next;
  }
  return notes;
}

export function readNotes(elf: ElfFile): ElfNote[] {
  return elf.sections.filter((section) => section.type === SHT_NOTE).flatMap((section) => parseNotes(section.data));
}

const isBuildId = (n: ElfNote) => n.name === 'GNU' && n.type === NT_GNU_BUILD_ID;

/** The GNU build-id of one note section's bytes, as lowercase hex. */
export function buildIdOfNotes(d: Buffer): string | undefined {
  return parseNotes(d).find(isBuildId)?.descriptor.toString('hex');
}

/** The GNU build-id as lowercase hex, or undefined when the binary has none. */
export function buildId(elf: ElfFile): string | undefined {
  return readNotes(elf).find(isBuildId)?.descriptor.toString('hex');
}
