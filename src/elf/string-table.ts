import type { ElfSection } from './elf-file.js';

/** NUL-terminated string at `offset` of a string-table section; '' when out of range. */
export function stringAt(table: ElfSection | undefined, offset: number): string {
  if (!table || offset >= table.data.length) return '';
  const end = table.data.indexOf(0, offset);
  return table.data.toString('latin1', offset, end < 0 ? table.data.length : end);
}
