/** The ELF image of an object mapped in a process, read through the process's own view of it. */
import { readFile } from 'node:fs/promises';
import { parseElf, type ElfFile } from '../elf/elf-file.js';
import { readablePathsOf, type LoadedObject } from './loaded-objects.js';

/** undefined when no path to the object can be read or it is not an ELF file. */
export async function readObjectElf(pid: number, object: LoadedObject): Promise<ElfFile | undefined> {
  for (const path of readablePathsOf(pid, object)) {
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) continue;
    if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return undefined;
    try {
      return parseElf(bytes);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
