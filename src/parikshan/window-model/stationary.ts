/**
 * Stationary M/M/1/K distribution: P_n ∝ ρ^n for n = 0..K, ρ = λ/μ.
 * Reported next to the hitting time, but not the metric Parikshan acts on:
 * the replica is cut at the first overflow, so the long-run blocking
 * probability describes a buffer that never existed past that moment.
 */
export interface StationaryOccupancy {
  /** ρ = λ/μ. */
  load: number;
  /** P_0: probability the buffer is empty. */
  empty: number;
  /** P_K: probability an arrival finds the buffer full (blocking). */
  blocking: number;
  /** L: mean number of requests in the system. */
  meanRequests: number;
}

/** Below this |(K+1)·ln ρ| the distribution is uniform to within its first-order term. */
const NEAR_UNIFORM = 1e-6;

export function stationaryOccupancy(lambda: number, mu: number, K: number): StationaryOccupancy {
  if (!(lambda > 0) || !(mu > 0)) throw new RangeError('arrival and service rates must be positive');
  if (!(K >= 1)) throw new RangeError(`K must be at least 1 (got ${K})`);
  const load = lambda / mu;
  const x = Math.log(load);
  if (Math.abs((K + 1) * x) < NEAR_UNIFORM) {
    // P_n ∝ e^{xn}: mean K/2 plus x times the uniform variance K(K+2)/12.
    return { load, empty: 1 / (K + 1), blocking: 1 / (K + 1), meanRequests: K / 2 + (x * K * (K + 2)) / 12 };
  }
  if (load < 1) {
    const { first, last, mean } = truncatedGeometric(load, K);
    return { load, empty: first, blocking: last, meanRequests: mean };
  }
  // ρ > 1: mirror the chain (n' = K − n has ratio 1/ρ < 1) so no power overflows.
  const { first, last, mean } = truncatedGeometric(1 / load, K);
  return { load, empty: last, blocking: first, meanRequests: K - mean };
}

/** For P_n ∝ s^n on 0..K with s < 1: P_0, P_K and the mean, without overflow. */
function truncatedGeometric(s: number, K: number): { first: number; last: number; mean: number } {
  const logS = Math.log(s);
  const oneMinusS = -Math.expm1(logS);
  const oneMinusPower = -Math.expm1((K + 1) * logS); // 1 − s^{K+1}
  const first = oneMinusS / oneMinusPower;
  const last = first * Math.exp(K * logS);
  const mean = s / oneMinusS - ((K + 1) * Math.exp((K + 1) * logS)) / oneMinusPower;
  return { first, last, mean };
}
