import { UserError } from '../util/user-error.js';

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

/**
 * Parses sizes such as `4MiB`, `256mb`, `64k` or `1048576`. All units are
 * binary (KB = KiB), as buffer sizes usually are.
 */
export function parseByteSize(text: string, purpose: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? UNIT_BYTES[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UserError(`${purpose}: bad size '${text}'`, 'expected a number with an optional unit: B, KiB, MiB, GiB');
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1 || !Number.isSafeInteger(bytes)) throw new UserError(`${purpose}: size '${text}' out of range`);
  return bytes;
}

export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size) return `${+(bytes / size).toFixed(1)}${unit}`;
  }
  return `${bytes}B`;
}
