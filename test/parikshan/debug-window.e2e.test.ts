import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { simulateHittingTimes } from '../../src/parikshan/window-model/buffer-simulator.js';
import { expectedHittingTime } from '../../src/parikshan/window-model/hitting-time.js';
import { percentile } from '../../src/parikshan/window-model/hitting-time-summary.js';
import { RandomStream } from '../../src/parikshan/window-model/random-stream.js';
import type { StatusReport } from '../../src/parikshan/status-report.js';
import { formatStatus } from '../../src/parikshan/status-table.js';
import { getJson, getText, runParikshan, startParikshan, waitFor, type RunningParikshan } from './helpers/parikshan-process.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { startPoissonLoad, startSlowReplica } from './helpers/slow-replica.js';

/** λ: Poisson turns per second sent through the duplicator. */
const ARRIVALS_PER_SECOND = 100;
/** The replica proxy holds each turn for an exponential delay of this mean: μ ≈ 60 turns/s. */
const REPLICA_DELAY_MS = 1000 / 60;
const BUFFER = '32KiB';

describe('debug window: predicted by the model, then observed, with a real redis behind the duplicator', () => {
  let production: RedisServer;
  let replica: RedisServer;
  let slowReplica: Awaited<ReturnType<typeof startSlowReplica>>;
  let duplicator: RunningParikshan;

  beforeAll(async () => {
    [production, replica] = await Promise.all([startRedis(), startRedis()]);
    slowReplica = await startSlowReplica(replica.port, REPLICA_DELAY_MS, 11);
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${slowReplica.port}`, '--metrics', '127.0.0.1:0',
      '--buffer', BUFFER, '--required-window', '60s', '--rate-window', '5s',
    ]);
  });
  afterAll(async () => {
    await duplicator?.stop();
    await slowReplica?.stop();
    await Promise.all([production?.stop(), replica?.stop()]);
  });

  test('the first overflow falls in the range the model predicted, and status showed the prediction before it', async () => {
    const admin = duplicator.addresses.metrics!;
    const load = await startPoissonLoad(duplicator.port('listen'), ARRIVALS_PER_SECOND, 23);
    const predictions: StatusReport['prediction'][] = [];
    let statusText = '';
    let lastStatus: StatusReport | undefined;
    let overflowed: StatusReport;
    try {
      overflowed = await waitFor(
        'the first overflow',
        async () => {
          const status = await getJson<StatusReport>(admin, '/status');
          if (status.overflows.recent.length > 0) return status;
          if (status.prediction.basis === 'measured') {
            predictions.push(status.prediction);
            lastStatus = status;
            // What an operator sees: the table, taken while the replica is still in sync.
            if (!statusText) statusText = (await runParikshan(['status', '--admin', admin])).stdout;
          }
          return undefined;
        },
        45_000,
      );
    } finally {
      load.stop();
    }
    const observed = overflowed.overflows.recent[0]!.debugWindowSeconds;
    expect(overflowed.overflows.recent[0]!.reason).toBe('connection-buffer-overflow');

    // The prediction was there, before the overflow, in status and in its table.
    expect(predictions.length).toBeGreaterThan(0);
    expect(statusText).toMatch(/predicted debug window/);
    expect(formatStatus(lastStatus!)).toMatch(/BELOW THE REQUIRED WINDOW/);
    const before = predictions.at(-1)!;
    // What it measured is what the test set up: λ from the load, μ from the proxy's delay. The model counts
    // client turns, and on a busy machine (late timers, a stalled event loop) requests that reach the
    // duplicator in one read are one turn, so λ can come out well below the request rate; μ a bit lower.
    expect(before.arrivalRate).toBeGreaterThan(0);
    expect(before.arrivalRate).toBeLessThan(ARRIVALS_PER_SECOND * 1.2);
    expect(before.serviceRate!).toBeGreaterThan(0);
    expect(before.serviceRate!).toBeLessThan((1000 / REPLICA_DELAY_MS) * 1.2);
    expect(before.belowRequired).toBe(true);

    // The warning came before the overflow, in the log and in /metrics.
    const warned = duplicator.logs.findIndex((l) => /predicted debug window below the required window/.test(l.msg));
    const cut = duplicator.logs.findIndex((l) => /debug buffer overflow/.test(l.msg));
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(warned).toBeLessThan(cut);
    expect(await getText(admin, '/metrics')).toMatch(/^parikshan_debug_window_alerts_total [1-9]/m);

    // The model's range for the rates it measured: the 0.5–99.5 % of 2,000 simulated M/M/1/K runs, with
    // λ and μ each taken 10 % worse (low end) and 10 % better (high end): over a 5 s rate window they rest
    // on a few hundred turns, and a shared machine moves them by that much while the test runs.
    const { arrivalRate: lambda, serviceRate: mu, capacityRequests: K } = before;
    const simulatedTimes = (l: number, m: number) =>
      simulateHittingTimes(
        {
          connections: 1,
          interArrival: { kind: 'exponential', mean: 1 / l },
          service: { kind: 'exponential', mean: 1 / m },
          slowdown: 1,
          connectionCapacity: K! - 1,
          totalCapacity: Infinity,
          horizonSeconds: 1e6,
        },
        2000,
        new RandomStream(5),
      ).sort();
    const range = [percentile(simulatedTimes(lambda * 1.1, mu! * 0.9), 0.005), percentile(simulatedTimes(lambda * 0.9, mu! * 1.1), 0.995)] as const;
    const expected = expectedHittingTime(lambda, mu!, K!);
    console.error(
      `debug window: observed ${observed.toFixed(2)} s; model E[T_K] ${expected.toFixed(2)} s (status said ${before.expectedWindowSeconds?.toFixed(2)} s), ` +
        `range ${range[0].toFixed(2)}–${range[1].toFixed(2)} s; measured λ ${lambda.toFixed(1)}/s, μ ${mu!.toFixed(1)}/s, K ${K} turns of ${before.turnBytes!.toFixed(0)} B`,
    );
    expect(observed).toBeGreaterThanOrEqual(range[0]);
    expect(observed).toBeLessThanOrEqual(range[1]);
  });
});
