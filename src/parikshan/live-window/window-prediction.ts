/**
 * The live prediction `parikshan status` shows: the model fed with what the
 * duplicator measures. The connection that matters is the one with the most
 * arrivals (its buffer fills first); the total bound is modelled as one queue
 * fed by all connections and drained at μ per busy connection; the window is
 * the smaller of the two. The budget is relative to the replica as it runs
 * now: f_max = 2 means it may become twice as slow as it is.
 */
import { capacityInRequests } from '../window-model/debug-window-model.js';
import { expectedHittingTimeFrom, logExpectedHittingTime } from '../window-model/hitting-time.js';
import { slowdownBudget, type BudgetVerdict } from '../window-model/slowdown-budget.js';

/** What one active connection contributes. */
export interface ConnectionLoad {
  id: number;
  /** Turns per second on this connection. */
  arrivalRate: number;
  /** Bytes in its debug queue (counted against --buffer). */
  queuedBytes: number;
  /** Bytes written to the replica's socket that Node and the kernel still hold. */
  socketBytes: number;
}

export interface PredictionInputs {
  connections: ConnectionLoad[];
  totalArrivalRate: number;
  /** Mean bytes a turn takes in the buffer; NaN before any traffic. */
  turnBytes: number;
  /** Mean replica service time per turn, seconds; NaN before any sample. */
  serviceSeconds: number;
  serviceSamples: number;
  connectionBufferBytes: number;
  totalBufferBytes: number;
  requiredWindowSeconds: number;
  rateWindowSeconds: number;
}

export interface WindowPrediction {
  /** 'measured', or why there is no prediction yet. */
  basis: 'measured' | 'no-arrivals' | 'no-replica-answers';
  requiredWindowSeconds: number;
  rateWindowSeconds: number;
  /** λ of the busiest connection, turns/s. */
  arrivalRate: number;
  totalArrivalRate: number;
  /** μ: turns/s the replica serves on a backlogged connection. */
  serviceRate: number | null;
  turnBytes: number | null;
  /** K for one connection: --buffer plus what the kernel holds beyond the turn in service, in turns. */
  capacityRequests: number | null;
  /** Expected window from empty, seconds (null: beyond a double, i.e. never). */
  expectedWindowSeconds: number | null;
  log10ExpectedWindowSeconds: number | null;
  /** Expected time until the fullest connection overflows, from its present level. */
  remainingWindowSeconds: number | null;
  /** Which bound gives the smaller window. */
  bound: 'connection' | 'total' | null;
  budgetVerdict: BudgetVerdict | null;
  /** Largest further slowdown of the replica keeping the window ≥ W (relative to now). */
  maxSlowdown: number | null;
  /** The expected window is below W. */
  belowRequired: boolean;
  /** Observed: the fullest connection, counting every byte between production and the replica. */
  observed: { connection: number | null; queuedBytes: number; socketBytes: number; level: number };
}

/** Fewer service samples than this and μ is not trusted. */
const MIN_SERVICE_SAMPLES = 3;

export function predictWindow(inputs: PredictionInputs): WindowPrediction {
  const fullest = inputs.connections.reduce<ConnectionLoad | undefined>(
    (best, c) => (!best || c.queuedBytes + c.socketBytes > best.queuedBytes + best.socketBytes ? c : best),
    undefined,
  );
  const busiest = inputs.connections.reduce<ConnectionLoad | undefined>((best, c) => (!best || c.arrivalRate > best.arrivalRate ? c : best), undefined);
  const observed = {
    connection: fullest?.id ?? null,
    queuedBytes: fullest?.queuedBytes ?? 0,
    socketBytes: fullest?.socketBytes ?? 0,
    level: (fullest?.queuedBytes ?? 0) / inputs.connectionBufferBytes,
  };
  const empty: WindowPrediction = {
    basis: 'no-arrivals',
    requiredWindowSeconds: inputs.requiredWindowSeconds,
    rateWindowSeconds: inputs.rateWindowSeconds,
    arrivalRate: busiest?.arrivalRate ?? 0,
    totalArrivalRate: inputs.totalArrivalRate,
    serviceRate: null,
    turnBytes: Number.isFinite(inputs.turnBytes) ? inputs.turnBytes : null,
    capacityRequests: null,
    expectedWindowSeconds: null,
    log10ExpectedWindowSeconds: null,
    remainingWindowSeconds: null,
    bound: null,
    budgetVerdict: null,
    maxSlowdown: null,
    belowRequired: false,
    observed,
  };
  const lambda = busiest?.arrivalRate ?? 0;
  if (!(lambda > 0) || !(inputs.turnBytes > 0)) return empty;
  if (!(inputs.serviceSamples >= MIN_SERVICE_SAMPLES) || !(inputs.serviceSeconds > 0)) return { ...empty, basis: 'no-replica-answers' };
  const mu = 1 / inputs.serviceSeconds;
  const c = inputs.turnBytes;
  // The turn in service sits in the socket and is the chain's +1; only what the kernel holds beyond it adds room.
  const hidden = Math.max(0, (busiest?.socketBytes ?? 0) - c);
  const K = capacityInRequests(inputs.connectionBufferBytes + hidden, c);
  const W = inputs.requiredWindowSeconds;
  let logWindow = logExpectedHittingTime(lambda, mu, K);
  let bound: 'connection' | 'total' = 'connection';
  const n = inputs.connections.length;
  if (n > 1 && inputs.totalArrivalRate > 0) {
    const logTotal = logExpectedHittingTime(inputs.totalArrivalRate, n * mu, capacityInRequests(inputs.totalBufferBytes, c));
    if (logTotal < logWindow) {
      logWindow = logTotal;
      bound = 'total';
    }
  }
  const budget = slowdownBudget(lambda, mu, K, W);
  const expected = Math.exp(logWindow);
  const level = fullest ? Math.floor(fullest.queuedBytes / c) : 0;
  return {
    ...empty,
    basis: 'measured',
    serviceRate: mu,
    capacityRequests: K,
    expectedWindowSeconds: Number.isFinite(expected) ? expected : null,
    log10ExpectedWindowSeconds: logWindow / Math.LN10,
    remainingWindowSeconds: finiteOrNull(expectedHittingTimeFrom(lambda, mu, K, level)),
    bound,
    budgetVerdict: budget.verdict,
    maxSlowdown: budget.maxSlowdown,
    belowRequired: logWindow < Math.log(W),
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
