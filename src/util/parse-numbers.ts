import { UsageError } from './user-error.js';

/** Linux pids are positive ints (pid_max is at most 2^22, pid_t is 32 bits). */
const PID_MAX = 2 ** 31 - 1;

/**
 * A process id. `label` names the option ("--pid"); a positional argument
 * has none and the message starts with "not a process id".
 */
export function parsePid(text: string, label?: string): number {
  const pid = /^\s*[1-9][0-9]*\s*$/.test(text) ? Number(text) : NaN;
  if (!(pid <= PID_MAX)) throw new UsageError(`${label ? `${label}: ` : ''}not a process id: '${text}'`, 'use a positive number, e.g. 4242');
  return pid;
}

/**
 * A count of things (rows, events, runs): a whole number ≥ 1, with `_`
 * between digits allowed (`10_000`) and an exponent (`1e6`).
 */
export function parseCount(text: string, option: string): number {
  const match = /^\s*(\d+(?:_\d+)*)(?:[eE](\d+))?\s*$/.exec(text);
  const count = match ? Number(match[1]!.replaceAll('_', '')) * 10 ** Number(match[2] ?? 0) : NaN;
  if (!(count >= 1) || !Number.isSafeInteger(count)) {
    throw new UsageError(`${option}: not a count: '${text}'`, 'use a whole number ≥ 1, e.g. 30, 10_000 or 1e6');
  }
  return count;
}

/** `5%`, `0.5%`, `0%` as a fraction (0.05); below `below`% (100 unless said). */
export function parsePercentage(text: string, option: string, { below = 100 }: { below?: number } = {}): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!match || Number(match[1]) >= below) {
    throw new UsageError(`${option}: not a percentage below ${below}%: '${text}'`, 'use e.g. 5% or 0.5%');
  }
  return Number(match[1]) / 100;
}
