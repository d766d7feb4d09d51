/**
 * The overhead budget as a leaky bucket. Every sample pours its cost (ns of
 * the target's CPU) into the bucket; the bucket leaks at `fraction` of the
 * CPU time the target spends on its own work; it holds one interval's leak.
 * What may be poured in during the next interval is the room left, so an
 * overspent interval (first samples, new threads' event sets, a cost
 * estimate that was low) is paid back by the following ones, and an idle
 * interval stores up nothing.
 *
 *   base   = cpu − spent                        the target's own work in the interval
 *   leak   = fraction × base
 *   level' = max(0, level + spent − leak)
 *   room   = max(0, leak − level')              ns allowed next interval
 */
import { parsePercentage } from '../util/parse-numbers.js';
import { UsageError } from '../util/user-error.js';

export type Budget = { kind: 'none' } | { kind: 'fraction'; fraction: number };

/** "5%", "0.5%", "0%" or "none" (no limit: every call is sampled); a usage error names `option`. */
export function parseBudget(text: string, option = 'budget'): Budget {
  const value = text.trim().toLowerCase();
  if (value === 'none' || value === 'unlimited') return { kind: 'none' };
  try {
    return { kind: 'fraction', fraction: parsePercentage(value, option) };
  } catch {
    throw new UsageError(`${option}: not a budget: '${text}'`, "use a percentage of the target's CPU time below 100%, e.g. 5% or 0.5%, or none");
  }
}

export function formatBudget(budget: Budget): string {
  return budget.kind === 'none' ? 'none' : `${+(budget.fraction * 100).toFixed(3)}%`;
}

export class LeakyBucket {
  /** Overhead (ns) poured in and not yet leaked. */
  level = 0;

  constructor(readonly fraction: number) {}

  /**
   * After an interval in which the target used `cpuNs` of CPU, `spentNs` of
   * it on sampling: the overhead (ns) the next interval may take.
   */
  update(cpuNs: number, spentNs: number): number {
    const base = Math.max(0, cpuNs - spentNs);
    const leak = this.fraction * base;
    this.level = Math.max(0, this.level + spentNs - leak);
    return Math.max(0, leak - this.level);
  }
}
