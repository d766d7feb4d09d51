/** The three builds iprobe-spec compares, each a SPEC label (CPU2017) or extension (CPU2006). */
export type VariantKey = 'plain' | 'instr' | 'cold';

export interface Variant {
  key: VariantKey;
  label: string;
  title: string;
}

export const VARIANTS: readonly [plain: Variant, instr: Variant, cold: Variant] = [
  { key: 'plain', label: 'iprobe-plain', title: 'plain' },
  { key: 'instr', label: 'iprobe-instr', title: 'instrumented' },
  { key: 'cold', label: 'iprobe-cold', title: 'coldpatched' },
];

export const INSTRUMENT_FLAG = '-finstrument-functions';
