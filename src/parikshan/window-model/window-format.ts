/** How model and simulator results read in a terminal: windows of any size, rates, slowdowns. */
import { seconds } from '../status-table.js';

const ONE_YEAR_SECONDS = 365.25 * 86400;

/** A window in seconds, also when it is longer than the universe is old (from its log10). */
export function formatWindow(value: number, log10Value?: number): string {
  if (Number.isFinite(value)) {
    if (value < 1) return `${(value * 1000).toPrecision(3)}ms`;
    if (value < 2 * 86400) return seconds(value);
    if (value < ONE_YEAR_SECONDS) return `${(value / 86400).toFixed(1)}d`;
    return `${(value / ONE_YEAR_SECONDS).toPrecision(3)} years`;
  }
  if (log10Value !== undefined && Number.isFinite(log10Value)) return `10^${log10Value.toFixed(0)}s (never, in practice)`;
  return '∞';
}

export function formatSlowdown(f: number): string {
  return `${f.toFixed(f < 10 ? 2 : 1)}× (+${((f - 1) * 100).toFixed(0)}%)`;
}

export function formatRate(perSecond: number): string {
  return `${perSecond.toPrecision(4)}/s`;
}
