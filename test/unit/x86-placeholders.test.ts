import { describe, expect, test } from 'vitest';
import { jmpRel32, MAX_NOP_LENGTH, nopOfLength, returnPaddedTo } from '../../src/coldpatch/x86-placeholders.js';
import { decodeInstructions } from '../../src/native/x86-decoder.js';

describe('placeholders decode as the instructions they claim to be', () => {
  test.each(Array.from({ length: MAX_NOP_LENGTH }, (_, i) => i + 1))('a %i-byte NOP is one instruction', (length) => {
    const decoded = decodeInstructions(nopOfLength(length), 0x1000, 16);
    expect(decoded).toHaveLength(1);
    expect(decoded[0]!.class).toBe('nop');
    expect(decoded[0]!.size).toBe(length);
  });

  test.each([5, 6, 7])('a %i-byte tail-jump replacement is ret followed by one NOP', (length) => {
    const decoded = decodeInstructions(returnPaddedTo(length), 0x1000, 16);
    expect(decoded.map((d) => d.class)).toEqual(['ret', 'nop']);
    expect(decoded[1]!.size).toBe(length - 1);
  });

  test('no single NOP beyond the table', () => {
    expect(() => nopOfLength(MAX_NOP_LENGTH + 1)).toThrow(RangeError);
    expect(() => nopOfLength(0)).toThrow(RangeError);
  });

  test('jmp rel32 reaches its target', () => {
    const [ins] = decodeInstructions(jmpRel32(0x401000, 0x400f00), 0x401000, 1);
    expect(ins).toMatchObject({ class: 'jmp', size: 5, target: 0x400f00 });
  });
});
