import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/util/user-error.js';
import { buildKeyHash, instrumentedVariant, parseVariant, plainVariant, variantFlags, variantName } from '../../src/bench/programs/variant.js';

describe('variants', () => {
  it('names and parses every axis, in any order', () => {
    const all = parseVariant('no-pie+O0+full-relro,no-plt+cf-protection+instrumented');
    expect(all).toEqual({ optimization: 'O0', instrumented: true, cfProtection: true, plt: false, relro: 'full', pie: false });
    expect(variantName(all)).toBe('O0+instrumented+cf-protection+no-plt+full-relro+no-pie');
    expect(parseVariant(variantName(all))).toEqual(all);
    expect(parseVariant('plain')).toEqual(plainVariant);
    expect(parseVariant('')).toEqual(plainVariant);
    expect(parseVariant('instrumented')).toEqual(instrumentedVariant);
    expect(variantName(plainVariant)).toBe('O2');
  });

  it('rejects unknown words with a hint', () => {
    expect(() => parseVariant('O3')).toThrow(UserError);
    expect(() => parseVariant('O2+lto')).toThrow(/unknown variant word 'lto'/);
  });

  it('maps each axis to compiler and linker flags, always with -g', () => {
    const plain = variantFlags(plainVariant);
    expect(plain.cflags).toEqual(['-O2', '-g', '-fcf-protection=none', '-fPIE']);
    expect(plain.ldflags).toEqual(['-Wl,-z,relro', '-Wl,-z,lazy', '-pie']);

    const all = variantFlags(parseVariant('O0+instrumented+cf-protection+no-plt+full-relro+no-pie'));
    expect(all.cflags).toEqual(['-O0', '-g', '-finstrument-functions', '-fcf-protection=full', '-fno-plt', '-fno-pie']);
    expect(all.ldflags).toEqual(['-fcf-protection=full', '-Wl,-z,ibtplt', '-Wl,-z,relro', '-Wl,-z,now', '-no-pie']);
  });

  it('hashes build keys stably and tells them apart', () => {
    const key = { recipe: 1, version: '1.0.8-5', variant: plainVariant };
    expect(buildKeyHash(key)).toBe(buildKeyHash({ ...key }));
    expect(buildKeyHash(key)).toMatch(/^[0-9a-f]{12}$/);
    expect(buildKeyHash({ ...key, variant: instrumentedVariant })).not.toBe(buildKeyHash(key));
    expect(buildKeyHash({ ...key, recipe: 2 })).not.toBe(buildKeyHash(key));
  });
});
