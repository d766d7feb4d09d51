import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getJson, startParikshan, waitForIdle, type RunningParikshan } from './helpers/parikshan-process.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { RespClient } from './helpers/resp-client.js';
import type { StatusReport } from '../../src/parikshan/status-report.js';

/** What a service in the middle of a chain does to its database: the same program runs as production and as replica. */
async function service(port: number, connections: number, steps: number, variant?: { atStep: number }): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: connections }, () => RespClient.connect(port)));
  const replies: string[] = [];
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < steps; i++) {
        const key = `order:${c}:${i}`;
        replies.push(await client.command('INCR', `orders:${c}`));
        const value = variant && i === variant.atStep ? 'a different value' : `placed by connection ${c}`;
        replies.push(await client.command('SET', key, value));
        replies.push(await client.command('GET', key));
      }
      await client.close();
    }),
  );
  return replies;
}

describe('aggregator in front of a real redis upstream', () => {
  let upstream: RedisServer;
  let aggregator: RunningParikshan;
  const status = () => getJson<StatusReport>(aggregator.addresses.metrics!, '/status');

  beforeAll(async () => {
    upstream = await startRedis();
    aggregator = await startParikshan([
      'aggregate', '--production-listen', '127.0.0.1:0', '--debug-listen', '127.0.0.1:0',
      '--upstream', `127.0.0.1:${upstream.port}`, '--metrics', '127.0.0.1:0',
    ]);
  });
  afterAll(async () => {
    expect(await aggregator.stop()).toBe(0);
    await upstream.stop();
  });

  test("the replica gets production's upstream replies and never writes upstream", async () => {
    // The replica starts a moment later, as a restarted replica would; pairing is by connection order.
    const productionRun = service(aggregator.port('production-listen'), 4, 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const replicaRun = service(aggregator.port('debug-listen'), 4, 100);
    const [productionReplies, replicaReplies] = await Promise.all([productionRun, replicaRun]);
    expect(replicaReplies.sort()).toEqual(productionReplies.sort());
    // Every INCR reached redis once, from production only.
    for (let c = 0; c < 4; c++) expect(await upstream.cli('GET', `orders:${c}`)).toBe('100');
    const s = await waitForIdle(aggregator.addresses.metrics!);
    expect(s.role).toBe('aggregator');
    expect(s.replica.inSync).toBe(true);
    expect(s.divergence.compared).toBeGreaterThanOrEqual(1200);
    expect(s.divergence.divergent).toBe(0);
  });

  test('a replica that sends something else upstream is reported as divergent, and it is still not forwarded', async () => {
    const before = (await status()).divergence.divergent;
    await Promise.all([
      service(aggregator.port('production-listen'), 1, 20),
      service(aggregator.port('debug-listen'), 1, 20, { atStep: 7 }),
    ]);
    const s = await waitForIdle(aggregator.addresses.metrics!);
    expect(s.divergence.divergent).toBe(before + 1);
    expect(s.divergence.samples.at(-1)!.replica).toContain('a different value');
    expect(await upstream.cli('GET', 'order:0:7')).toBe('placed by connection 0');
  });
});
