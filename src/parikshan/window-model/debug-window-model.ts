/**
 * One evaluation of the debug-window model: from the arrival rate, the
 * replica's service rate and the buffer, the expected window and the
 * slowdown budget for a required window W. What `parikshan model`, the live
 * prediction and the benchmark all print.
 */
import { expectedHittingTime, fluidHittingTime, logExpectedHittingTime, stalledHittingTime } from './hitting-time.js';
import { slowdownBudget, type SlowdownBudget } from './slowdown-budget.js';
import { stationaryOccupancy, type StationaryOccupancy } from './stationary.js';

export interface ModelInputs {
  /** λ: requests per second arriving on the connection. */
  arrivalRate: number;
  /** μ0: requests per second the replica serves without the slowdown. */
  baseServiceRate: number;
  /** f ≥ 0: the replica's service rate is μ0/f. */
  slowdown: number;
  /** K: requests the buffer holds when it overflows (see capacityInRequests). */
  capacityRequests: number;
  /** W: the debug window required, seconds. */
  requiredWindowSeconds: number;
}

export interface ModelReport extends ModelInputs {
  /** μ = μ0/f. */
  serviceRate: number;
  /** E[T_K] from an empty buffer, seconds (Infinity beyond a double). */
  expectedWindowSeconds: number;
  /** log10 E[T_K]: meaningful when the window is astronomically long. */
  log10ExpectedWindowSeconds: number;
  /** K/(λ − μ) when λ > μ, else Infinity. */
  fluidWindowSeconds: number;
  /** K/λ: the floor (a stalled replica). */
  stalledWindowSeconds: number;
  stationary: StationaryOccupancy;
  budget: SlowdownBudget;
  /** E[T_K] ≥ W. */
  meetsRequiredWindow: boolean;
}

/**
 * K in requests for a buffer of `bufferBytes` holding requests of
 * `requestBytes` on average: the buffer holds floor(buffer/size) of them and
 * the next arrival is the overflow, i.e. the chain's level K = that + 1.
 */
export function capacityInRequests(bufferBytes: number, requestBytes: number): number {
  if (!(requestBytes > 0)) throw new RangeError(`request size must be positive (got ${requestBytes})`);
  return Math.floor(bufferBytes / requestBytes) + 1;
}

export function evaluateModel(inputs: ModelInputs): ModelReport {
  const { arrivalRate: lambda, baseServiceRate: mu0, slowdown, capacityRequests: K, requiredWindowSeconds: W } = inputs;
  const mu = slowdown > 0 ? mu0 / slowdown : mu0;
  const logWindow = logExpectedHittingTime(lambda, mu, K);
  return {
    ...inputs,
    serviceRate: mu,
    expectedWindowSeconds: expectedHittingTime(lambda, mu, K),
    log10ExpectedWindowSeconds: logWindow / Math.LN10,
    fluidWindowSeconds: fluidHittingTime(lambda, mu, K),
    stalledWindowSeconds: stalledHittingTime(lambda, K),
    stationary: stationaryOccupancy(lambda, mu > 0 ? mu : Number.MIN_VALUE, K),
    budget: slowdownBudget(lambda, mu0, K, W),
    meetsRequiredWindow: logWindow >= Math.log(W),
  };
}
