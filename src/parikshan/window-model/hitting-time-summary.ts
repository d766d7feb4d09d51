/**
 * The distribution of simulated hitting times, as the tables print it: the
 * mean with a 95 % confidence interval, percentiles, and the risk P(T ≤ W).
 * Runs without an overflow within the horizon are censored: the mean then
 * counts them at the horizon and says it is a lower bound.
 */
export interface HittingTimeSummary {
  replications: number;
  /** Runs that overflowed within the horizon. */
  overflowed: number;
  /** Mean hitting time; a lower bound when `censored`. */
  mean: number;
  /** Half-width of the 95 % confidence interval of the mean (normal approximation). */
  ciHalfWidth: number;
  censored: boolean;
  /** Percentiles; Infinity where that fraction of runs did not overflow. */
  p10: number;
  p50: number;
  p90: number;
  /** Fraction of runs that overflowed within W, when a W was given. */
  riskWithinWindow: number | null;
}

const Z95 = 1.959963984540054;

export function summarizeHittingTimes(times: Float64Array, horizonSeconds: number, windowSeconds?: number): HittingTimeSummary {
  const n = times.length;
  const sorted = Float64Array.from(times).sort();
  let overflowed = 0;
  let sum = 0;
  let sumSquares = 0;
  let within = 0;
  for (const t of sorted) {
    const value = Number.isFinite(t) ? t : horizonSeconds;
    if (Number.isFinite(t)) overflowed++;
    if (windowSeconds !== undefined && t <= windowSeconds) within++;
    sum += value;
    sumSquares += value * value;
  }
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSquares - n * mean * mean) / (n - 1)) : 0;
  return {
    replications: n,
    overflowed,
    mean,
    ciHalfWidth: (Z95 * Math.sqrt(variance)) / Math.sqrt(n),
    censored: overflowed < n,
    p10: percentile(sorted, 0.1),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    riskWithinWindow: windowSeconds === undefined ? null : within / n,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}
