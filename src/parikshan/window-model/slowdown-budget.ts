/**
 * The inverse problem: how much may instrumentation slow the replica down
 * and still keep the expected debug window at least W? With μ = μ0/f, E[T_K]
 * falls as f grows, from its value at f = 1 down to K/λ (a stalled replica),
 * so the largest f with E[T_K] ≥ W is found by bisection on the exact form.
 */
import { logExpectedHittingTime, stalledHittingTime } from './hitting-time.js';

export type BudgetVerdict =
  /** K/λ ≥ W: even a replica that serves nothing keeps the window. */
  | 'unlimited'
  /** f_max ≥ 1 exists. */
  | 'bounded'
  /** Even the uninstrumented replica (f = 1) has E[T_K] < W. */
  | 'unreachable';

export interface SlowdownBudget {
  verdict: BudgetVerdict;
  /** Largest slowdown factor keeping E[T_K] ≥ W; null unless bounded. */
  maxSlowdown: number | null;
  /** The same as overhead in percent, (f − 1)·100. */
  maxOverheadPercent: number | null;
  /** Slowdown below which the queue is stable (λ < μ0/f): f < μ0/λ. */
  stableSlowdown: number;
  /** Fluid approximation μ0/(λ − K/W), for comparison; null when K/λ ≥ W. */
  fluidSlowdown: number | null;
}

const RELATIVE_TOLERANCE = 1e-9;
const MAX_STEPS = 200;

export function slowdownBudget(lambda: number, mu0: number, K: number, windowSeconds: number): SlowdownBudget {
  if (!(windowSeconds > 0)) throw new RangeError(`required window must be positive (got ${windowSeconds})`);
  const stableSlowdown = mu0 / lambda;
  const fluidRate = lambda - K / windowSeconds;
  const fluidSlowdown = fluidRate > 0 ? mu0 / fluidRate : null;
  const base = { stableSlowdown, fluidSlowdown };
  if (stalledHittingTime(lambda, K) >= windowSeconds) {
    return { verdict: 'unlimited', maxSlowdown: null, maxOverheadPercent: null, ...base };
  }
  const logW = Math.log(windowSeconds);
  const keeps = (f: number) => logExpectedHittingTime(lambda, mu0 / f, K) >= logW;
  if (!keeps(1)) return { verdict: 'unreachable', maxSlowdown: null, maxOverheadPercent: null, ...base };
  // Bracket: double until the window is lost (it must be, since K/λ < W).
  let low = 1;
  let high = 2;
  while (keeps(high)) {
    low = high;
    high *= 2;
  }
  for (let step = 0; step < MAX_STEPS && high - low > RELATIVE_TOLERANCE * low; step++) {
    const mid = Math.sqrt(low * high); // geometric: f spans orders of magnitude
    if (keeps(mid)) low = mid;
    else high = mid;
  }
  return { verdict: 'bounded', maxSlowdown: low, maxOverheadPercent: (low - 1) * 100, ...base };
}
