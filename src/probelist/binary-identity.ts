/** The identity a probe list records of a binary (the rule that checks it: identity-match.ts). */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseElf, type ElfFile } from '../elf/elf-file.js';
import { PT_LOAD } from '../elf/elf-constants.js';
import { buildId } from '../elf/notes.js';
import type { ObservedBinary } from './identity-match.js';
import type { BinaryIdentity } from './probe-list.js';

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the file bytes of every PT_LOAD segment, in program-header order. */
export function loadedBytesSha256(elf: ElfFile): string {
  const hash = createHash('sha256');
  for (const s of elf.segments) if (s.type === PT_LOAD) hash.update(elf.bytes.subarray(s.offset, s.offset + s.fileSize));
  return hash.digest('hex');
}

export function identifyBinary(bytes: Buffer, filePath: string): BinaryIdentity {
  const elf = parseElf(bytes);
  return {
    file: path.basename(filePath),
    buildId: buildId(elf) ?? null,
    sha256: sha256Of(bytes),
    loadSha256: loadedBytesSha256(elf),
    size: bytes.length,
  };
}

/** The observation of a file held whole in memory. */
export function observeBytes(bytes: Buffer): ObservedBinary {
  let elf: ElfFile | undefined;
  try {
    elf = parseElf(bytes);
  } catch {
    elf = undefined;
  }
  return {
    buildId: (elf && buildId(elf)) ?? null,
    size: bytes.length,
    loadSha256: () => elf && loadedBytesSha256(elf),
    sha256: () => sha256Of(bytes),
  };
}
