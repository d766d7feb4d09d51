/**
 * Function names for run-time addresses. The exporters take any resolver;
 * processes with probe lists get names from them (hotpatch/probe-names.ts).
 * This one reads an ELF file's symbol table and applies the load bias the
 * runtime recorded, for programs run under the runtime without coldpatch.
 */
import { readFileSync } from 'node:fs';
import { parseElf } from '../elf/elf-file.js';
import { dynamicSymbols, isDefinedFunction, staticSymbols } from '../elf/symbol-table.js';
import { demangle } from '../native/debug-info.js';
import { UserError } from '../util/user-error.js';

/** The name for a run-time address, or undefined if unknown. */
export type NameResolver = (address: number) => string | undefined;

export function hexAddress(address: number): string {
  return `0x${address.toString(16)}`;
}

/** Resolves, falling back to the hex address. */
export function nameOf(resolve: NameResolver | undefined, address: number): string {
  return resolve?.(address) ?? hexAddress(address);
}

export interface ElfSymbol {
  /** Link-time address. */
  address: number;
  size: number;
  name: string;
}

/** Function symbols (defined) of an ELF file, sorted by address, C++ names demangled. */
export function readElfFunctionSymbols(elfPath: string): ElfSymbol[] {
  let elf;
  try {
    elf = parseElf(readFileSync(elfPath));
  } catch (err) {
    throw new UserError(`cannot read the symbols of ${elfPath}: ${(err as Error).message.split('\n')[0]}`);
  }
  const table = staticSymbols(elf);
  const functions = (table.length > 0 ? table : dynamicSymbols(elf)).filter(isDefinedFunction);
  const names = demangle(functions.map((s) => s.name));
  return functions.map((s, i) => ({ address: s.value, size: s.size, name: names[i]! })).sort((a, b) => a.address - b.address);
}

/**
 * Exact entries resolve to the symbol's name, addresses inside a sized
 * symbol to `name+0xoffset` (points are sites inside functions).
 */
export function symbolResolver(symbols: readonly ElfSymbol[], loadBias: number): NameResolver {
  const exact = new Map<number, string>();
  for (const s of symbols) if (!exact.has(s.address)) exact.set(s.address, s.name);
  return (address) => {
    const linkAddress = address - loadBias;
    const name = exact.get(linkAddress);
    if (name !== undefined) return name;
    let lo = 0;
    let hi = symbols.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (symbols[mid]!.address <= linkAddress) lo = mid + 1;
      else hi = mid - 1;
    }
    const containing = symbols[hi];
    if (containing && linkAddress < containing.address + containing.size) {
      return `${containing.name}+${hexAddress(linkAddress - containing.address)}`;
    }
    return undefined;
  };
}

/** A resolver for the main executable of `elfPath` loaded with `loadBias` (the segment header has it). */
export function executableResolver(elfPath: string, loadBias: number): NameResolver {
  return symbolResolver(readElfFunctionSymbols(elfPath), loadBias);
}
