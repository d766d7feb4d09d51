import { createHash } from 'node:crypto';
import { UserError } from '../../util/user-error.js';

/**
 * How one build of a program is compiled and linked: the axes ColdPatch must
 * cope with. Every variant keeps debug info (-g).
 */
export interface Variant {
  optimization: 'O0' | 'O2';
  /** -finstrument-functions: a call to __cyg_profile_func_enter/exit in every function. */
  instrumented: boolean;
  /** -fcf-protection=full, linked with -z ibtplt so ld really emits .plt.sec with endbr64 stubs. */
  cfProtection: boolean;
  /** false: -fno-plt, external calls (the hooks too) become `call *sym@GOTPCREL(%rip)`. */
  plt: boolean;
  /** full: -z relro -z now (BIND_NOW, GOT read-only after start); partial: -z relro -z lazy. */
  relro: 'partial' | 'full';
  /** false: -fno-pie -no-pie, an ET_EXEC at a fixed address. */
  pie: boolean;
}

/** Debian 12 gcc's own defaults: PIE, PLT, partial RELRO, no CET. */
export const plainVariant: Variant = {
  optimization: 'O2',
  instrumented: false,
  cfProtection: false,
  plt: true,
  relro: 'partial',
  pie: true,
};

export const instrumentedVariant: Variant = { ...plainVariant, instrumented: true };

/** Name words, in the order variantName writes them; each moves one axis off its plain value. */
const WORDS = ['instrumented', 'cf-protection', 'no-plt', 'full-relro', 'no-pie'] as const;

/** `O2`, `O0+instrumented`, `O2+instrumented+cf-protection+no-plt+full-relro+no-pie`, … */
export function variantName(v: Variant): string {
  const words: string[] = [v.optimization];
  if (v.instrumented) words.push('instrumented');
  if (v.cfProtection) words.push('cf-protection');
  if (!v.plt) words.push('no-plt');
  if (v.relro === 'full') words.push('full-relro');
  if (!v.pie) words.push('no-pie');
  return words.join('+');
}

/**
 * Parses what variantName writes, in any order; `plain` or an empty string is
 * the plain variant, and the optimisation may be left out (O2).
 */
export function parseVariant(text: string): Variant {
  const v: Variant = { ...plainVariant };
  for (const word of text.split(/[+,]/).map((w) => w.trim()).filter((w) => w && w !== 'plain')) {
    switch (word) {
      case 'O0':
      case 'O2':
        v.optimization = word;
        break;
      case 'instrumented':
        v.instrumented = true;
        break;
      case 'cf-protection':
        v.cfProtection = true;
        break;
      case 'no-plt':
        v.plt = false;
        break;
      case 'full-relro':
        v.relro = 'full';
        break;
      case 'no-pie':
        v.pie = false;
        break;
      default:
        throw new UserError(`unknown variant word '${word}'`, `use O0 or O2 and any of: ${WORDS.join(', ')}, joined by +`);
    }
  }
  return v;
}

export interface VariantFlags {
  /** For every compilation (also of bundled dependencies). */
  cflags: string[];
  /** For every link. */
  ldflags: string[];
}

export function variantFlags(v: Variant): VariantFlags {
  const cflags = [`-${v.optimization}`, '-g'];
  const ldflags: string[] = [];
  if (v.instrumented) cflags.push('-finstrument-functions');
  if (v.cfProtection) {
    cflags.push('-fcf-protection=full');
    // ld emits the IBT PLT (.plt + .plt.sec) only if every input object carries
    // the IBT property, and Debian 12's crt1.o/crti.o carry none: without
    // -z ibtplt the binary would have endbr64 in its functions but a plain PLT.
    ldflags.push('-fcf-protection=full', '-Wl,-z,ibtplt');
  } else {
    cflags.push('-fcf-protection=none');
  }
  if (!v.plt) cflags.push('-fno-plt');
  ldflags.push('-Wl,-z,relro', v.relro === 'full' ? '-Wl,-z,now' : '-Wl,-z,lazy');
  if (v.pie) {
    cflags.push('-fPIE');
    ldflags.push('-pie');
  } else {
    cflags.push('-fno-pie');
    ldflags.push('-no-pie');
  }
  return { cflags, ldflags };
}

/** A short hash of everything that makes two builds of the same source differ. */
export function buildKeyHash(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}
