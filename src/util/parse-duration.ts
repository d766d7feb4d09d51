import { UsageError } from './user-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const DURATION_HINT = 'use e.g. 500ms, 10s, 5m';

export interface DurationOptions {
  /** Unit of a bare number: seconds unless the option is about short waits. */
  defaultUnit?: 'ms' | 's';
  /** Refuse 0 (a window, a time constant, how long to record). */
  positive?: boolean;
}

/**
 * The one duration syntax of both CLIs: `500ms`, `10s`, `5m`, `1h`, `1.5s`,
 * or a bare number of `defaultUnit`s; in milliseconds. `option` names the
 * flag in the error ("--duration: not a duration: 'abc' (use e.g. …)").
 */
export function parseDuration(text: string, option: string, { defaultUnit = 's', positive = false }: DurationOptions = {}): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${option}: not a duration: '${text}'`, DURATION_HINT);
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? defaultUnit]!);
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${option}: duration out of range: '${text}'`, DURATION_HINT);
  if (positive && ms <= 0) throw new UsageError(`${option}: must be longer than 0, got '${text}'`, DURATION_HINT);
  return ms;
}
