/** Typed wrapper of the addon's debug-information helpers (libdw line tables, C++ demangler). */
import { loadAddon } from './load-addon.js';

interface DebugInfoBinding {
  sourceLines(path: string, addresses: Float64Array): { file: string[]; line: Int32Array };
  demangle(names: string[]): string[];
}

const binding = (): DebugInfoBinding => loadAddon<DebugInfoBinding>();

export interface SourceLine {
  file: string;
  line: number;
}

/** DWARF file/line for each link-time address of the ELF file at `elfPath`; undefined where unknown. */
export function sourceLines(elfPath: string, addresses: readonly number[]): (SourceLine | undefined)[] {
  const raw = binding().sourceLines(elfPath, Float64Array.from(addresses));
  return raw.file.map((file, i) => (file ? { file, line: raw.line[i] ?? 0 } : undefined));
}

/** Demangles C++ names; other names come back unchanged. */
export function demangle(names: readonly string[]): string[] {
  return binding().demangle([...names]);
}
