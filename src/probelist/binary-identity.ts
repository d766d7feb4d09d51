import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseElf } from '../elf/elf-file.js';
import { buildId } from '../elf/notes.js';
import type { BinaryIdentity } from './probe-list.js';

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function identifyBinary(bytes: Buffer, filePath: string): BinaryIdentity {
  return {
    file: path.basename(filePath),
    buildId: buildId(parseElf(bytes)) ?? null,
    sha256: sha256Of(bytes),
    size: bytes.length,
  };
}
