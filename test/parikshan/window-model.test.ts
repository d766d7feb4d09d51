import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateHittingTimes, type BufferScenario } from '../../src/parikshan/window-model/buffer-simulator.js';
import { capacityInRequests, evaluateModel } from '../../src/parikshan/window-model/debug-window-model.js';
import {
  expectedHittingTime,
  expectedHittingTimeFrom,
  fluidHittingTime,
  logExpectedHittingTime,
} from '../../src/parikshan/window-model/hitting-time.js';
import { summarizeHittingTimes } from '../../src/parikshan/window-model/hitting-time-summary.js';
import { sweepOverheads } from '../../src/parikshan/window-model/overhead-sweep.js';
import { RandomStream } from '../../src/parikshan/window-model/random-stream.js';
import { slowdownBudget } from '../../src/parikshan/window-model/slowdown-budget.js';
import { stationaryOccupancy } from '../../src/parikshan/window-model/stationary.js';

/** Σ_{n<K} (1/λ) Σ_{j≤n} (μ/λ)^j, term by term: the definition, for small K. */
function bySummation(lambda: number, mu: number, K: number): number {
  let total = 0;
  for (let n = 0; n < K; n++) {
    let inner = 0;
    for (let j = 0; j <= n; j++) inner += (mu / lambda) ** j;
    total += inner / lambda;
  }
  return total;
}

describe('expected hitting time E[T_K]', () => {
  test('hand-computed values', () => {
    // r = 2, K = 6: Σ (6−j)·2^j = 6+10+16+24+32+32 = 120, over λ = 5.
    expect(expectedHittingTime(5, 10, 6)).toBeCloseTo(24, 10);
    // r = 1/2, K = 3: 3 + 2·0.5 + 1·0.25 = 4.25, over λ = 10.
    expect(expectedHittingTime(10, 5, 3)).toBeCloseTo(0.425, 12);
    // r = 1: K(K+1)/(2λ).
    expect(expectedHittingTime(2, 2, 4)).toBeCloseTo(5, 12);
    // A stalled replica: exactly K arrivals.
    expect(expectedHittingTime(4, 0, 10)).toBeCloseTo(2.5, 12);
    // K = 1: the first arrival.
    expect(expectedHittingTime(3, 100, 1)).toBeCloseTo(1 / 3, 12);
  });

  test('agrees with the definition summed term by term, also next to r = 1', () => {
    for (const [lambda, mu, K] of [[3, 1, 17], [1, 3, 12], [7, 7 * (1 + 1e-7), 40], [7, 7 * (1 - 1e-9), 300], [2, 2.5, 50]] as const) {
      expect(expectedHittingTime(lambda, mu, K) / bySummation(lambda, mu, K)).toBeCloseTo(1, 9);
    }
  });

  test('limits: the fluid value K/(λ−μ) for λ > μ and large K, never below K/λ, finite logs for astronomical windows', () => {
    // λ = 2, μ = 1, K = 10^6: K/(λ−μ) − r/((1−r)²λ) = 10^6 − 1.
    expect(expectedHittingTime(2, 1, 1e6)).toBeCloseTo(1e6 - 1, 3);
    expect(expectedHittingTime(17, 27 / 8, 209) / fluidHittingTime(17, 27 / 8, 209)).toBeCloseTo(1, 2);
    expect(expectedHittingTime(17, 27 / 8, 209)).toBeGreaterThan(209 / 17);
    // λ < μ with K = 10^6: r^K overflows a double, its logarithm does not.
    expect(expectedHittingTime(1, 2, 1e6)).toBe(Infinity);
    expect(logExpectedHittingTime(1, 2, 1e6)).toBeCloseTo(1e6 * Math.LN2 + Math.log(2), 6);
    // ρ = 1 with a 64 GB buffer of 64-byte requests.
    const K = 2 ** 30;
    expect(expectedHittingTime(1000, 1000, K) / ((K * (K + 1)) / 2000)).toBeCloseTo(1, 12);
  });

  test('from a partly full buffer: the rest of the window', () => {
    expect(expectedHittingTimeFrom(5, 10, 6, 0)).toBeCloseTo(24, 10);
    expect(expectedHittingTimeFrom(5, 10, 6, 6)).toBe(0);
    // From level 5: T_5 = (1/λ) Σ_{j≤5} 2^j = 63/5.
    expect(expectedHittingTimeFrom(5, 10, 6, 5)).toBeCloseTo(63 / 5, 10);
  });

  test('window grows with K and falls with the slowdown (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.double({ min: 1, max: 50, noNaN: true }),
        (lambda, mu0, K, f) => {
          const base = logExpectedHittingTime(lambda, mu0 / f, K);
          expect(logExpectedHittingTime(lambda, mu0 / f, K + 1)).toBeGreaterThan(base);
          expect(logExpectedHittingTime(lambda, mu0 / (f * 1.01), K)).toBeLessThanOrEqual(base + 1e-12);
          expect(base).toBeGreaterThanOrEqual(Math.log(K / lambda) - 1e-9);
        },
      ),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe('stationary occupancy', () => {
  test('hand-computed: ρ = 1/2 and ρ = 2 with K = 2, and ρ = 1', () => {
    // P ∝ 1, 1/2, 1/4 (sum 7/4).
    const half = stationaryOccupancy(1, 2, 2);
    expect(half.empty).toBeCloseTo(4 / 7, 12);
    expect(half.blocking).toBeCloseTo(1 / 7, 12);
    expect(half.meanRequests).toBeCloseTo(4 / 7, 12);
    // P ∝ 1, 2, 4.
    const double = stationaryOccupancy(2, 1, 2);
    expect(double.empty).toBeCloseTo(1 / 7, 12);
    expect(double.blocking).toBeCloseTo(4 / 7, 12);
    expect(double.meanRequests).toBeCloseTo(10 / 7, 12);
    const even = stationaryOccupancy(3, 3, 9);
    expect(even.blocking).toBeCloseTo(0.1, 12);
    expect(even.meanRequests).toBeCloseTo(4.5, 12);
  });

  test('no overflow of powers with K = 10^7 on either side of ρ = 1', () => {
    const over = stationaryOccupancy(2, 1, 1e7);
    expect(over.blocking).toBeCloseTo(0.5, 12);
    expect(over.meanRequests).toBeCloseTo(1e7 - 1, 6);
    const under = stationaryOccupancy(1, 2, 1e7);
    expect(under.blocking).toBe(0);
    expect(under.meanRequests).toBeCloseTo(1, 12);
  });
});

describe('slowdown budget f_max', () => {
  test("the design note's examples (W = 10 min)", () => {
    // MySQL-like: λ = 17, μ0 = 27 req/s, 19.6-byte requests.
    const mysql = (bytes: number) => slowdownBudget(17, 27, capacityInRequests(bytes, 19.6), 600);
    expect(mysql(4096).maxSlowdown).toBeCloseTo(1.61, 2);
    expect(mysql(16384).maxSlowdown).toBeCloseTo(1.73, 2);
    expect(mysql(65536).maxSlowdown).toBeCloseTo(2.36, 2);
    expect(mysql(1 << 20).verdict).toBe('unlimited');
    expect(mysql(4096).stableSlowdown).toBeCloseTo(1.588, 3);
    const web = (bytes: number) => slowdownBudget(100, 500, capacityInRequests(bytes, 1024), 600);
    expect(web(65536).maxSlowdown).toBeCloseTo(4.53, 2);
    expect(web(1 << 20).maxSlowdown).toBeCloseTo(5.08, 2);
    expect(web(64 << 20).verdict).toBe('unlimited');
  });

  test('at f_max the window is W; just above it, less; unreachable when even f = 1 misses W', () => {
    const budget = slowdownBudget(50, 80, 300, 60);
    const f = budget.maxSlowdown!;
    expect(expectedHittingTime(50, 80 / f, 300)).toBeCloseTo(60, 4);
    expect(expectedHittingTime(50, 80 / (f * 1.001), 300)).toBeLessThan(60);
    expect(slowdownBudget(100, 50, 10, 60).verdict).toBe('unreachable');
  });

  test('budget grows with K (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 500, noNaN: true }), fc.double({ min: 1.1, max: 10, noNaN: true }), fc.integer({ min: 1, max: 100_000 }), (lambda, speedup, K) => {
        const W = 600;
        const small = slowdownBudget(lambda, lambda * speedup, K, W);
        const large = slowdownBudget(lambda, lambda * speedup, K * 2, W);
        if (small.verdict === 'unlimited') expect(large.verdict).toBe('unlimited');
        else if (large.verdict === 'bounded') expect(large.maxSlowdown!).toBeGreaterThanOrEqual(small.maxSlowdown! * (1 - 1e-6));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test('the whole report for one Table 3.1 row (Poisson λ = 17, 4 KiB pipe, 8× slowdown)', () => {
    const report = evaluateModel({ arrivalRate: 17, baseServiceRate: 27, slowdown: 8, capacityRequests: 209, requiredWindowSeconds: 600 });
    expect(report.expectedWindowSeconds).toBeCloseTo(15.32, 2);
    expect(report.fluidWindowSeconds).toBeCloseTo(15.34, 2);
    expect(report.meetsRequiredWindow).toBe(false);
  });
});

describe('buffer simulator', () => {
  const mm1k = (lambda: number, mu: number, K: number): BufferScenario => ({
    connections: 1,
    interArrival: { kind: 'exponential', mean: 1 / lambda },
    service: { kind: 'exponential', mean: 1 / mu },
    slowdown: 1,
    connectionCapacity: K - 1, // holds K−1 requests: the K-th in the system overflows
    totalCapacity: Infinity,
    horizonSeconds: 1e9,
  });

  test('same seed, same hitting times', () => {
    const a = simulateHittingTimes(mm1k(10, 8, 20), 50, new RandomStream(42));
    const b = simulateHittingTimes(mm1k(10, 8, 20), 50, new RandomStream(42));
    expect([...a]).toEqual([...b]);
    expect([...simulateHittingTimes(mm1k(10, 8, 20), 50, new RandomStream(43))]).not.toEqual([...a]);
  });

  test.each([
    ['λ > μ', 10, 8, 20],
    ['λ < μ', 5, 10, 6],
    ['λ = μ', 4, 4, 15],
  ])('agrees with the closed form within its 95%% confidence interval (%s)', (_name, lambda, mu, K) => {
    const times = simulateHittingTimes(mm1k(lambda, mu, K), 4000, new RandomStream(2026));
    const summary = summarizeHittingTimes(times, 1e9);
    expect(summary.overflowed).toBe(4000);
    expect(Math.abs(summary.mean - expectedHittingTime(lambda, mu, K))).toBeLessThanOrEqual(summary.ciHalfWidth);
  });

  test('bytes with a fixed request size give the same chain; several connections overflow sooner; the total bound counts', () => {
    const bytes: BufferScenario = { ...mm1k(10, 8, 20), requestSize: { kind: 'fixed', value: 100 }, connectionCapacity: 19 * 100 + 50 };
    const summary = summarizeHittingTimes(simulateHittingTimes(bytes, 4000, new RandomStream(9)), 1e9);
    expect(Math.abs(summary.mean - expectedHittingTime(10, 8, 20))).toBeLessThanOrEqual(summary.ciHalfWidth);
    const four = summarizeHittingTimes(simulateHittingTimes({ ...bytes, connections: 4 }, 1000, new RandomStream(9)), 1e9);
    expect(four.mean).toBeLessThan(summary.mean);
    const total = new RandomStream(9);
    const bounded = summarizeHittingTimes(simulateHittingTimes({ ...bytes, connections: 4, totalCapacity: 2000 }, 1000, total), 1e9);
    expect(bounded.mean).toBeLessThan(four.mean);
  });

  test('replayed arrivals and measured service times, exponential sizes: a G/G run that still overflows near the fluid value', () => {
    const random = new RandomStream(5);
    const gaps = Float64Array.from({ length: 500 }, () => random.exponential(0.1));
    const services = Float64Array.from({ length: 500 }, () => 0.1 / 0.6);
    const scenario: BufferScenario = {
      connections: 1,
      interArrival: { kind: 'samples', values: gaps, order: 'replay' },
      service: { kind: 'samples', values: services, order: 'resample' },
      slowdown: 1,
      requestSize: { kind: 'exponential', mean: 100 },
      connectionCapacity: 20_000,
      totalCapacity: Infinity,
      horizonSeconds: 1e6,
    };
    const summary = summarizeHittingTimes(simulateHittingTimes(scenario, 300, random), 1e6);
    // Fluid: 200 requests at a drift of 10 − 6 per second.
    expect(summary.mean).toBeGreaterThan(35);
    expect(summary.mean).toBeLessThan(65);
  });

  test('sweep over overhead steps: no overflow while stable within the horizon, then the window shrinks; model beside each step', () => {
    const scenario: BufferScenario = { ...mm1k(1, 5, 2000), horizonSeconds: 20_000 };
    const rows = sweepOverheads(scenario, { overheadsPercent: [100, 300, 450, 600, 900], replications: 40, seed: 1, windowSeconds: 5_000 });
    expect(rows[0]!.simulated.overflowed).toBe(0);
    expect(rows[1]!.simulated.overflowed).toBe(0);
    expect(rows[4]!.simulated.overflowed).toBe(40);
    expect(rows[4]!.simulated.mean).toBeLessThan(rows[3]!.simulated.mean);
    expect(rows[4]!.simulated.mean / rows[4]!.model).toBeGreaterThan(0.9);
    expect(rows[4]!.simulated.mean / rows[4]!.model).toBeLessThan(1.1);
    expect(rows[4]!.simulated.riskWithinWindow).toBe(1);
  });
});
