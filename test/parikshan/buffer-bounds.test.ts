import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getJson, getText, rssBytes, runParikshan, startParikshan, waitFor, type RunningParikshan } from './helpers/parikshan-process.js';
import { startFullBacklogReplica, startXorServer, randomTransfer, sha256, xor, type XorServer } from './helpers/tcp-fixtures.js';
import type { BufferLevel, StatusReport } from '../../src/parikshan/status-report.js';

const BUFFER = 100_000;
const TOTAL = 150_000;

function openClient(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => {});
  });
}

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

// The replica's listen queue is full, so its connections never complete and
// everything the duplicator keeps for it stays in the duplicator's own queue:
// the bounds can be checked to the byte. Production reads but never answers,
// so no exchange records are queued either.
describe('debug buffer bounds, to the byte', () => {
  let production: XorServer;
  let replica: { port: number; stop(): void };
  let duplicator: RunningParikshan;
  let admin: string;

  beforeAll(async () => {
    production = await startXorServer({ kind: 'sink' });
    replica = await startFullBacklogReplica();
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0',
      '--buffer', String(BUFFER), '--total-buffer', String(TOTAL),
    ]);
    admin = duplicator.addresses.metrics!;
  });
  afterAll(async () => {
    await duplicator.stop();
    replica.stop();
    await production.close();
  });

  const delivered = (bytes: number) => waitFor(`production to receive ${bytes} bytes`, () =>
    production.connections.reduce((sum, c) => sum + c.bytes, 0) >= bytes ? true : undefined);

  test('a connection may fill --buffer exactly; one byte more cuts it and marks the replica out of sync', async () => {
    const a = await openClient(duplicator.port('listen'));
    a.write(Buffer.alloc(BUFFER, 1));
    await delivered(BUFFER);
    let level = await getJson<BufferLevel>(admin, '/buffer-level');
    expect(level).toMatchObject({ level: 1, queuedBytes: BUFFER, inSync: true });
    expect(metricValue(await getText(admin, '/metrics'), 'parikshan_debug_buffer_bytes')).toBe(BUFFER);

    a.write(Buffer.alloc(1, 2));
    await delivered(BUFFER + 1);
    const status = await getJson<StatusReport>(admin, '/status');
    expect(status.overflows).toMatchObject({ connection: 1, total: 0 });
    expect(status.replica).toMatchObject({ inSync: false, reason: 'connection-buffer-overflow' });
    expect(status.overflows.recent[0]!.debugWindowSeconds).toBeGreaterThan(0);
    expect(status.bytes.lostToReplica).toBe(BUFFER + 1);
    level = await getJson<BufferLevel>(admin, '/buffer-level');
    expect(level.queuedBytes).toBe(0);
    a.destroy();
  });

  test('the out-of-sync mark stays until `parikshan reset`', async () => {
    const shown = await runParikshan(['status', '--admin', admin]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/OUT OF SYNC since .* \(connection-buffer-overflow\)/);
    const reset = await runParikshan(['reset', '--admin', admin]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/replica marked in sync/);
    const status = await getJson<StatusReport>(admin, '/status');
    expect(status.replica.inSync).toBe(true);
    expect(status.replica.debugWindowSeconds).toBeLessThan(5);
  });

  test('connections together may fill --total-buffer exactly; one byte more cuts the connection that crossed it', async () => {
    const before = production.connections.reduce((sum, c) => sum + c.bytes, 0);
    const a = await openClient(duplicator.port('listen'));
    const b = await openClient(duplicator.port('listen'));
    a.write(Buffer.alloc(BUFFER, 1));
    await delivered(before + BUFFER);
    b.write(Buffer.alloc(TOTAL - BUFFER, 1));
    await delivered(before + TOTAL);
    expect(await getJson<BufferLevel>(admin, '/buffer-level')).toMatchObject({ queuedBytes: TOTAL, totalLevel: 1, inSync: true });

    b.write(Buffer.alloc(1, 1));
    await delivered(before + TOTAL + 1);
    const status = await getJson<StatusReport>(admin, '/status');
    expect(status.overflows.total).toBe(1);
    expect(status.replica).toMatchObject({ inSync: false, reason: 'total-buffer-overflow' });
    // a keeps its place: only b, the connection that crossed the bound, was cut.
    expect(status.buffer).toMatchObject({ queuedBytes: BUFFER, level: 1, activeConnections: 1 });
    const metrics = await getText(admin, '/metrics');
    expect(metricValue(metrics, 'parikshan_debug_overflows_total{scope="total"}')).toBe(1);
    expect(metricValue(metrics, 'parikshan_replica_in_sync')).toBe(0);
    a.destroy();
    b.destroy();
  });
});

describe('memory under a stalled replica', () => {
  test('200 MiB through a duplicator whose replica never reads: production exact, RSS bounded by the buffers', async () => {
    const production = await startXorServer();
    const replica = await startXorServer({ kind: 'stalled' });
    const duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0',
      '--buffer', '4MiB', '--total-buffer', '16MiB', '--exchange-timeout', '100ms',
    ]);
    try {
      const rssBefore = rssBytes(duplicator.child.pid!);
      let maxRss = rssBefore;
      const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(duplicator.child.pid!))), 50);
      // 8 connections of 25 MiB each: every one overflows its 4 MiB, together they would far exceed 16 MiB.
      const transfers = await Promise.all(Array.from({ length: 8 }, () => randomTransfer(duplicator.port('listen'), 25 * 1024 * 1024)));
      clearInterval(sampler);
      for (const t of transfers) expect(sha256(xor(t.received))).toBe(t.sentDigest);
      const status = await getJson<StatusReport>(duplicator.addresses.metrics!, '/status');
      expect(status.overflows.connection + status.overflows.total).toBe(8);
      expect(status.replica.inSync).toBe(false);
      // 16 MiB of queues plus socket and allocator slack; 200 MiB went through.
      expect(maxRss - rssBefore).toBeLessThan(80 * 1024 * 1024);
      console.log(`stalled replica: proxy RSS ${Math.round(rssBefore / 2 ** 20)} MiB before, max ${Math.round(maxRss / 2 ** 20)} MiB during 200 MiB`);
    } finally {
      await duplicator.stop();
      await production.close();
      await replica.close();
    }
  });
});
