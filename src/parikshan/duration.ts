import { UserError } from '../util/user-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Parses `250ms`, `1s`, `2m`, or a bare number of `defaultUnit`s, into milliseconds. */
export function parseDuration(text: string, option: string, defaultUnit: 'ms' | 's'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!match) throw new UserError(`${option}: bad duration '${text}'`, 'expected e.g. 500ms, 2s or 1m');
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? defaultUnit]!);
}
