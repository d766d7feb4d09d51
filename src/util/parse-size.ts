import { UsageError } from './user-error.js';

/** All units are binary (KB = KiB), as buffer sizes usually are. */
const UNIT_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

export const SIZE_HINT = 'use e.g. 4MiB, 64KiB or 1048576; units B, KiB, MiB, GiB';

/**
 * The one size syntax of both CLIs: `4MiB`, `256mb`, `64k`, `1.5k` or
 * `1048576` (bytes), case-insensitive; at least one byte.
 */
export function parseByteSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? UNIT_BYTES[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new UsageError(`${option}: not a size: '${text}'`, SIZE_HINT);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1 || !Number.isSafeInteger(bytes)) throw new UsageError(`${option}: size out of range: '${text}'`, 'at least 1 byte');
  return bytes;
}
