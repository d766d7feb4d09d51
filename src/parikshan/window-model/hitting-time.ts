/**
 * Expected hitting time of a full buffer in the M/M/1/K birth–death chain:
 * Poisson arrivals at λ, exponential service at μ, first passage from empty
 * to level K (the debug window: the replica is cut at the first overflow).
 *
 *   E[T_K] = (1/λ) Σ_{n<K} Σ_{j≤n} r^j = (1/λ) Σ_{j<K} (K − j) r^j,   r = μ/λ
 *          = (1/λ) [ r(r^K − 1)/(r − 1)² − K/(r − 1) ]
 *
 * K can be 10^6 requests or more, so r^K overflows or underflows doubles, and
 * near r = 1 the two terms of the closed form cancel. Everything is computed
 * as a natural logarithm, with expm1/log1p where the terms are close.
 */

/** Below this |K·ln r| the closed form loses digits to cancellation: a series in ln r is used. */
const SERIES_LIMIT = 1e-4;

/** ln Σ_{j<K} (K − j) r^j, the sum inside E[T_K] (λ factored out). */
export function logHittingSum(r: number, K: number): number {
  if (!(K >= 1)) throw new RangeError(`K must be at least 1 (got ${K})`);
  if (r === 0) return Math.log(K); // stalled server: K arrivals
  const x = Math.log(r);
  if (Math.abs(K * x) < SERIES_LIMIT) {
    // Σ (K−j) e^{jx} = K(K+1)/2 + x·K(K−1)(K+1)/6 + x²/2·K²(K−1)(K+1)/12 + O((Kx)³·K²)
    const s0 = (K * (K + 1)) / 2;
    const s1 = (K * (K - 1) * (K + 1)) / 6;
    const s2 = (K * K * (K - 1) * (K + 1)) / 12;
    return Math.log(s0 + x * s1 + ((x * x) / 2) * s2);
  }
  if (x < 0) {
    // r < 1 (λ > μ): K/(1−r) − r(1−r^K)/(1−r)², both positive, the first dominant.
    const oneMinusR = -Math.expm1(x);
    const tail = (r * -Math.expm1(K * x)) / (oneMinusR * oneMinusR);
    return Math.log(K / oneMinusR - tail);
  }
  // r > 1 (λ < μ): r(r^K − 1)/(r−1)² − K/(r−1); r^K may overflow, so factor it out in logs.
  const rMinusOne = Math.expm1(x);
  const logGrowth = Math.log(r) + logExpm1(K * x) - 2 * Math.log(rMinusOne); // ln[r(r^K−1)/(r−1)²]
  const logLinear = Math.log(K / rMinusOne);
  return logGrowth + Math.log1p(-Math.exp(logLinear - logGrowth));
}

/** ln E[T_K] in seconds; finite even when E[T_K] itself is far beyond a double. */
export function logExpectedHittingTime(lambda: number, mu: number, K: number): number {
  if (!(lambda > 0)) throw new RangeError(`arrival rate must be positive (got ${lambda})`);
  if (!(mu >= 0)) throw new RangeError(`service rate must not be negative (got ${mu})`);
  return logHittingSum(mu / lambda, K) - Math.log(lambda);
}

/** E[T_K] in seconds from an empty buffer; Infinity when it does not fit in a double. */
export function expectedHittingTime(lambda: number, mu: number, K: number): number {
  return Math.exp(logExpectedHittingTime(lambda, mu, K));
}

/**
 * Expected time to reach K starting from level `from` (0 ≤ from < K):
 * the remaining window of a buffer that already holds `from` requests.
 * E[T from n0] = (1/λ)(S(K) − S(n0)), S as in logHittingSum.
 */
export function expectedHittingTimeFrom(lambda: number, mu: number, K: number, from: number): number {
  const n0 = Math.max(0, Math.floor(from));
  if (n0 >= K) return 0;
  const whole = expectedHittingTime(lambda, mu, K);
  if (n0 === 0) return whole;
  const reached = expectedHittingTime(lambda, mu, n0);
  return Math.max(0, whole - reached);
}

/** Fluid limit K/(λ − μ) when λ > μ (a queue that grows at the mean drift); Infinity otherwise. */
export function fluidHittingTime(lambda: number, mu: number, K: number): number {
  return lambda > mu ? K / (lambda - mu) : Infinity;
}

/** The window never drops below K/λ: a replica that serves nothing fills the buffer in K arrivals. */
export function stalledHittingTime(lambda: number, K: number): number {
  return K / lambda;
}

/** ln(e^y − 1) for y > 0, without overflow for large y. */
function logExpm1(y: number): number {
  return y > 30 ? y + Math.log1p(-Math.exp(-y)) : Math.log(Math.expm1(y));
}
