import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getJson, startParikshan, waitForIdle, type RunningParikshan } from './helpers/parikshan-process.js';
import { redisBenchmark, startRedis, stutter, type RedisServer } from './helpers/redis.js';
import type { StatusReport } from '../../src/parikshan/status-report.js';

describe('two redis-server instances behind the duplicator', () => {
  let production: RedisServer;
  let replica: RedisServer;
  let duplicator: RunningParikshan;
  const status = () => getJson<StatusReport>(duplicator.addresses.metrics!, '/status');
  const replicaCaughtUp = () => waitForIdle(duplicator.addresses.metrics!);

  beforeAll(async () => {
    [production, replica] = await Promise.all([startRedis(), startRedis()]);
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0',
    ]);
  });
  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await Promise.all([production.stop(), replica.stop()]);
  });

  test('redis-benchmark through the duplicator: a lagging replica applies the same commands and never diverges', async () => {
    const port = duplicator.port('listen');
    // The replica falls behind production; it must still apply each connection's commands after the
    // connections the client had finished before opening it (GET after SET, RPOP after LPUSH).
    const resume = stutter(replica.pid, 100, 300);
    try {
      // Concurrent clients with commands whose answers do not depend on how connections interleave...
      const output = await redisBenchmark(port, ['-n', '4000', '-c', '20', '-t', 'set,get,mset,ping']);
      expect(output).toMatch(/SET: [\d.]+ requests per second/);
      // ...and order-dependent ones (counters, lists, random keys) on one connection, where the order is the client's.
      await redisBenchmark(port, ['-n', '2000', '-c', '1', '-r', '1000', '-t', 'incr,lpush,rpop,sadd,hset,set']);
    } finally {
      resume();
    }
    const s = await replicaCaughtUp();
    expect(s.replica.inSync).toBe(true);
    expect(s.bytes.lostToReplica).toBe(0);
    expect(s.divergence.compared).toBeGreaterThan(20_000);
    expect(s.divergence.divergent).toBe(0);
    expect(Number(await production.cli('DBSIZE'))).toBeGreaterThan(100);
    expect(await replica.cli('DEBUG', 'DIGEST')).toBe(await production.cli('DEBUG', 'DIGEST'));
  });

  test('a command answered differently by the replica is reported as a divergence, with the differing bytes', async () => {
    await production.cli('SET', 'probe', 'answer-from-production');
    await replica.cli('SET', 'probe', 'answer-from-the-replica');
    const before = (await status()).divergence.divergent;
    const { execFile } = await import('node:child_process');
    const got = await new Promise<string>((resolve, reject) =>
      execFile('redis-cli', ['-p', String(duplicator.port('listen')), 'GET', 'probe'], (err, stdout) =>
        err ? reject(err) : resolve(stdout.trim()),
      ),
    );
    expect(got).toBe('answer-from-production');
    const s = await replicaCaughtUp();
    expect(s.divergence.divergent).toBe(before + 1);
    expect(s.divergence.rate).toBeGreaterThan(0);
    const sample = s.divergence.samples.at(-1)!;
    expect(sample.production).toContain('$22\\r\\nanswer-from-production');
    expect(sample.replica).toContain('$23\\r\\nanswer-from-the-replica');
    expect(sample.firstDifference).toBe(2);
  });
});
