/**
 * The bytes coldpatch writes over a hook branch. Every replacement is ONE
 * instruction (or a ret followed by one NOP) of exactly the original length,
 * so a thread can only ever stand at the start of a site.
 */

/** Recommended multi-byte NOPs (Intel SDM vol. 2B, NOP), by length. */
const MULTI_BYTE_NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

export const RET_OPCODE = 0xc3;
export const JMP_REL32_OPCODE = 0xe9;
export const MAX_NOP_LENGTH = MULTI_BYTE_NOPS.length - 1;

/** One NOP instruction of `length` bytes. */
export function nopOfLength(length: number): Buffer {
  const bytes = MULTI_BYTE_NOPS[length];
  if (!bytes || length === 0) throw new RangeError(`no single NOP instruction of ${length} bytes`);
  return Buffer.from(bytes);
}

/**
 * Replacement for a tail jump to a hook (`jmp hook` ending a function): the
 * hook would have returned straight to our caller, so the site returns.
 *
 *   before: e9 <rel32>            jmp __cyg_profile_func_exit@plt
 *   after:  c3 0f 1f 40 00        ret; nopl 0(%rax)   (the NOP is never reached)
 */
export function returnPaddedTo(length: number): Buffer {
  if (length === 1) return Buffer.from([RET_OPCODE]);
  return Buffer.concat([Buffer.from([RET_OPCODE]), nopOfLength(length - 1)]);
}

/** `jmp rel32` from `site` to `target`. */
export function jmpRel32(site: number, target: number): Buffer {
  const bytes = Buffer.alloc(5);
  bytes[0] = JMP_REL32_OPCODE;
  bytes.writeInt32LE(target - (site + 5), 1);
  return bytes;
}
