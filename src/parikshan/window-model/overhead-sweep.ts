/**
 * The hitting-time distribution per overhead step (the seed's Figure 3.5
 * protocol): one scenario, the replica's slowdown raised step by step, many
 * seeded replications each, and the M/M/1/K formula beside every step.
 */
import { drawMean, simulateHittingTimes, type BufferScenario } from './buffer-simulator.js';
import { capacityInRequests } from './debug-window-model.js';
import { expectedHittingTime } from './hitting-time.js';
import { summarizeHittingTimes, type HittingTimeSummary } from './hitting-time-summary.js';
import { RandomStream } from './random-stream.js';

export interface SweepRow {
  /** Overhead in percent: slowdown = 1 + overhead/100. */
  overheadPercent: number;
  slowdown: number;
  simulated: HittingTimeSummary;
  /** E[T_K] of the M/M/1/K chain with the scenario's means (exact when arrivals and service are exponential). */
  model: number;
  /** Wall-clock milliseconds this step took. */
  elapsedMs: number;
}

export interface SweepOptions {
  overheadsPercent: readonly number[];
  replications: number;
  seed: number;
  /** W for the risk column P(T ≤ W). */
  windowSeconds?: number;
}

export function sweepOverheads(scenario: BufferScenario, options: SweepOptions): SweepRow[] {
  const random = new RandomStream(options.seed);
  return options.overheadsPercent.map((overheadPercent) => {
    const started = performance.now();
    const slowdown = 1 + overheadPercent / 100;
    const times = simulateHittingTimes({ ...scenario, slowdown }, options.replications, random);
    return {
      overheadPercent,
      slowdown,
      simulated: summarizeHittingTimes(times, scenario.horizonSeconds, options.windowSeconds),
      model: modelHittingTime({ ...scenario, slowdown }),
      elapsedMs: performance.now() - started,
    };
  });
}

/** The chain's E[T_K] for one connection of a scenario, from its means. */
export function modelHittingTime(scenario: BufferScenario): number {
  const lambda = 1 / drawMean(scenario.interArrival);
  const mu = 1 / (drawMean(scenario.service) * scenario.slowdown);
  const size = scenario.requestSize ? drawMean(scenario.requestSize) : 1;
  const perConnection = expectedHittingTime(lambda, mu, capacityInRequests(scenario.connectionCapacity, size));
  if (!Number.isFinite(scenario.totalCapacity) || scenario.connections === 1) return perConnection;
  // The total bound as one queue fed by all connections and drained by all of them.
  const n = scenario.connections;
  const total = expectedHittingTime(n * lambda, n * mu, capacityInRequests(scenario.totalCapacity, size));
  return Math.min(perConnection, total);
}
