/** Function symbols by address: who owns a site, and what an address is called. */
import { isDefinedFunction, type ElfSymbol } from '../elf/symbol-table.js';
import { demangle } from '../native/debug-info.js';

export interface FunctionSymbol {
  name: string;
  linkName: string;
  address: number;
  size: number;
}

const STB_GLOBAL = 1;

export class FunctionIndex {
  private readonly byAddress = new Map<number, FunctionSymbol>();
  private readonly sorted: FunctionSymbol[];

  constructor(symbols: readonly ElfSymbol[]) {
    const chosen = new Map<number, ElfSymbol>();
    for (const s of symbols) {
      if (!isDefinedFunction(s)) continue;
      const current = chosen.get(s.value);
      // Prefer the global name of an address over local aliases, then the sized one.
      if (!current || (current.bind !== STB_GLOBAL && s.bind === STB_GLOBAL) || (current.size === 0 && s.size > 0)) {
        chosen.set(s.value, s);
      }
    }
    const entries = [...chosen.values()];
    const names = demangle(entries.map((s) => s.name));
    entries.forEach((s, i) => {
      this.byAddress.set(s.value, { name: names[i]!, linkName: s.name, address: s.value, size: s.size });
    });
    this.sorted = [...this.byAddress.values()].sort((a, b) => a.address - b.address);
  }

  get isEmpty(): boolean {
    return this.sorted.length === 0;
  }

  startingAt(address: number): FunctionSymbol | undefined {
    return this.byAddress.get(address);
  }

  /** The function whose [address, address+size) holds `address`. */
  containing(address: number): FunctionSymbol | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let best: FunctionSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.sorted[mid]!;
      if (f.address <= address) {
        best = f;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best && address < best.address + Math.max(best.size, 1) ? best : undefined;
  }
}

/** The name given to a function the binary has no symbol for. */
export function anonymousFunction(address: number): FunctionSymbol {
  const name = `fn_${address.toString(16)}`;
  return { name, linkName: name, address, size: 0 };
}
