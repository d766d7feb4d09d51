/**
 * The ELF file of an object mapped in a process, opened through the
 * process's own view of it and read piece by piece (elf-file-reader.ts):
 * looking an object up costs the few pieces asked for, not the whole file.
 */
import { ElfFileReader } from '../elf/elf-file-reader.js';
import { readablePathsOf, type LoadedObject } from './loaded-objects.js';

/**
 * Runs `use` on the object's ELF file and closes it. undefined when no path
 * to the object can be opened or it is not an x86-64 ELF file.
 */
export function withObjectElf<T>(pid: number, object: LoadedObject, use: (elf: ElfFileReader, path: string) => T): T | undefined {
  for (const path of readablePathsOf(pid, object)) {
    let elf: ElfFileReader | undefined;
    try {
      elf = ElfFileReader.open(path);
    } catch {
      continue;
    }
    if (!elf) return undefined;
    try {
      return use(elf, path);
    } finally {
      elf.close();
    }
  }
  return undefined;
}
