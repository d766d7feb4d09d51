/**
 * Function names for run-time addresses. The exporters take any resolver;
 * the probe list will provide one later. This one reads an ELF file's symbol
 * table with binutils' nm and applies the load bias the runtime recorded.
 */
import { execFileSync } from 'node:child_process';
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

/** Function symbols (text, defined) of an ELF file, sorted by address, C++ names demangled. */
export function readElfFunctionSymbols(elfPath: string): ElfSymbol[] {
  let out: string;
  try {
    out = execFileSync('nm', ['--defined-only', '--demangle', '--print-size', elfPath], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new UserError(`cannot read the symbols of ${elfPath}: ${(err as Error).message.split('\n')[0]}`);
  }
  const symbols: ElfSymbol[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) (?:([0-9a-f]+) )?([tTwW]) (.+)$/.exec(line);
    if (!m) continue;
    symbols.push({ address: parseInt(m[1]!, 16), size: m[2] ? parseInt(m[2], 16) : 0, name: m[4]! });
  }
  return symbols.sort((a, b) => a.address - b.address);
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
