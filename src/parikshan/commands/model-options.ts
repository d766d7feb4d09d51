import { readFileSync } from 'node:fs';
import { parseDuration } from '../../util/parse-duration.js';
import { parseByteSize } from '../../util/parse-size.js';
import { UsageError } from '../../util/user-error.js';

/** Options of model and simulate beyond the shared parsers (src/util/parse-*.ts): rates, request sizes, overhead steps, sample files. */

/** A positive number such as `17`, `0.5` or `1e6` (a rate, a slowdown). */
export function parsePositive(text: string | undefined, option: string, { allowZero = false } = {}): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`${option}: not a ${allowZero ? 'non-negative' : 'positive'} number: '${text ?? ''}'`, 'use e.g. 17, 0.5 or 1e6');
  }
  return value;
}

/** A request size: bytes, fractional allowed (`19.6`), or a size with a unit (`1KiB`). */
export function parseRequestSize(text: string, option: string): number {
  return /^\s*\d+(\.\d+)?\s*$/.test(text) ? parsePositive(text, option) : parseByteSize(text, option);
}

/** Seconds, from `600`, `10m`, `1000000s` or `250ms`. */
export function parseSeconds(text: string, option: string): number {
  return parseDuration(text, option, { positive: true }) / 1000;
}

/** Overhead steps in percent: `0:600:10` (from:to:step) or a list `100,300,500`. */
export function parseOverheads(text: string, option: string): number[] {
  const range = /^\s*(\d+(?:\.\d+)?):(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (range) {
    const [from, to, step] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (step <= 0 || to < from) throw new UsageError(`${option}: bad range '${text}'`, 'from:to:step with to ≥ from and step > 0');
    const count = Math.floor((to - from) / step + 1e-9) + 1;
    if (count > 1000) throw new UsageError(`${option}: ${count} steps is too many (at most 1000)`);
    return Array.from({ length: count }, (_, i) => +(from + i * step).toFixed(6));
  }
  const values = text.split(',').map((part) => parsePositive(part, option, { allowZero: true }));
  return values;
}

/** One number per line (seconds or bytes), blank lines and `#` comments skipped. */
export function readSamples(path: string, option: string): Float64Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const values: number[] = [];
  text.split('\n').forEach((line, index) => {
    const content = line.replace(/#.*/, '').trim();
    if (content === '') return;
    const value = Number(content);
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`${option}: ${path}:${index + 1}: not a non-negative number: '${content}'`);
    values.push(value);
  });
  if (values.length === 0) throw new UsageError(`${option}: '${path}' holds no numbers`);
  return Float64Array.from(values);
}
