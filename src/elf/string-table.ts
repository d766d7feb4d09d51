import type { ElfSection } from './elf-file.js';

/** NUL-terminated string at `offset` of a string-table section; '' when out of range. */
export function stringAt(table: ElfSection | undefined, offset: number): string {
  if (!table || offset >= table.data.length) return '';
  const end = table.data.indexOf(0, offset);
  return table.data.toString('latin1', offset, end < 0 ? table.data.length : end);
}

/**
 * A name read from the file, safe to put in a one-line message: control
 * characters (a damaged table can hold newlines) become \xNN escapes.
 */
export function printableName(name: string): string {
  return name.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
