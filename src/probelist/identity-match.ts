/**
 * Which bytes a probe list belongs to, and the one rule that decides whether
 * a file is those bytes (docs/probe-list.md, "Binding to the binary").
 *
 * The GNU build-id names a link, not a file: coldpatch changes code bytes
 * and keeps the note, so its output and its uninstrumented input share a
 * build-id (and a size). A list therefore binds to build-id + size + the
 * SHA-256 of the bytes the loader maps (every PT_LOAD segment's file
 * contents): build-id and size are read for a few hundred bytes and turn
 * away another build at once; the loaded-bytes digest separates the
 * coldpatched file from its input and from any edit of code or data. It
 * skips what is never mapped (debug info, the static symbol table), so it
 * costs in proportion to the program, not to its debug info. Lists written
 * before it existed carry only the whole-file SHA-256, which is used then.
 */
import type { BinaryIdentity } from './probe-list.js';

/** A file as found, its digests computed only when asked for. */
export interface ObservedBinary {
  buildId: string | null;
  size: number;
  /** undefined when the file is not an ELF file whose segments can be read. */
  loadSha256(): string | undefined;
  sha256(): string;
}

export type IdentityMismatch = 'build-id' | 'size' | 'loaded bytes' | 'file bytes';

/** Why `actual` is not the file `expected` describes, or undefined when it is. Cheapest test first. */
export function identityMismatch(expected: BinaryIdentity, actual: ObservedBinary): IdentityMismatch | undefined {
  if (expected.buildId !== actual.buildId) return 'build-id';
  if (expected.size !== actual.size) return 'size';
  if (expected.loadSha256 !== undefined) return actual.loadSha256() === expected.loadSha256 ? undefined : 'loaded bytes';
  return actual.sha256() === expected.sha256 ? undefined : 'file bytes';
}

/** One clause for an error message: how the file differs from the list's. */
export function describeMismatch(expected: BinaryIdentity, actual: ObservedBinary, mismatch: IdentityMismatch): string {
  switch (mismatch) {
    case 'build-id':
      return `its build-id is ${actual.buildId ?? 'absent'}, the list's ${expected.buildId ?? 'absent'}: another build`;
    case 'size':
      return `same build-id, but ${actual.size} bytes where the list's file had ${expected.size}: another file of that build (stripped or modified)`;
    case 'loaded bytes':
      return 'same build-id and size, but other loaded bytes: the uninstrumented input of coldpatch, another coldpatch of it, or a file changed after coldpatch';
    case 'file bytes':
      return 'same build-id and size, but another SHA-256: another coldpatch of the same build, or a file changed after coldpatch';
  }
}
