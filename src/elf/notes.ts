/** ELF notes; iprobe reads the GNU build-id. */
import type { ElfFile } from './elf-file.js';
import { NT_GNU_BUILD_ID, SHT_NOTE } from './elf-constants.js';

const align4 = (n: number) => (n + 3) & ~3;

export interface ElfNote {
  name: string;
  type: number;
  descriptor: Buffer;
}

export function readNotes(elf: ElfFile): ElfNote[] {
  const notes: ElfNote[] = [];
  for (const section of elf.sections) {
    if (section.type !== SHT_NOTE) continue;
    const d = section.data;
    let at = 0;
    while (at + 12 <= d.length) {
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
  }
  return notes;
}

/** The GNU build-id as lowercase hex, or undefined when the binary has none. */
export function buildId(elf: ElfFile): string | undefined {
  const note = readNotes(elf).find((n) => n.name === 'GNU' && n.type === NT_GNU_BUILD_ID);
  return note ? note.descriptor.toString('hex') : undefined;
}
