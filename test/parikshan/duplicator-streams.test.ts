import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startParikshan, getJson, waitForIdle, type RunningParikshan } from './helpers/parikshan-process.js';
import { absentPort, randomTransfer, sha256, startXorServer, xor, type ReplicaBehaviour, type XorServer } from './helpers/tcp-fixtures.js';
import type { StatusReport } from '../../src/parikshan/status-report.js';

// Whatever the replica does, production's byte streams must be exact in both directions.
const replicas: [string, ReplicaBehaviour | 'absent'][] = [
  ['fast', { kind: 'fast' }],
  ['slow (50 ms per read)', { kind: 'slow', delayMs: 50 }],
  ['stalled', { kind: 'stalled' }],
  ['crashing', { kind: 'crashing', afterBytes: 200_000 }],
  ['absent', 'absent'],
];

describe.each(replicas)('duplicator with a %s replica', (_name, behaviour) => {
  let production: XorServer;
  let replica: XorServer | undefined;
  let duplicator: RunningParikshan;

  beforeAll(async () => {
    production = await startXorServer();
    replica = behaviour === 'absent' ? undefined : await startXorServer(behaviour);
    const debugPort = replica?.port ?? (await absentPort());
    duplicator = await startParikshan([
      'duplicate',
      '--listen', '127.0.0.1:0',
      '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${debugPort}`,
      '--metrics', '127.0.0.1:0',
      '--buffer', '1MiB',
      '--total-buffer', '8MiB',
      '--exchange-timeout', '200ms',
    ]);
  });

  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await production.close();
    await replica?.close();
  });

  test('random binary payloads in both directions arrive exactly, on 20 connections at once', async () => {
    const sizes = Array.from({ length: 20 }, (_, i) => (i === 0 ? 1 : Math.floor(Math.random() * 3_000_000)));
    const transfers = await Promise.all(sizes.map((size) => randomTransfer(duplicator.port('listen'), size)));
    for (const transfer of transfers) {
      expect(transfer.closedBy).toBe('fin');
      expect(transfer.received.length).toBe(transfer.sentBytes);
      expect(sha256(xor(transfer.received))).toBe(transfer.sentDigest);
    }
    // Production got exactly what each client sent, and a FIN after it.
    const sent = transfers.map((t) => t.sentDigest).sort();
    const arrived = production.connections.slice(-20).map((c) => c.received.digest('hex')).sort();
    expect(arrived).toEqual(sent);
    expect(production.connections.slice(-20).every((c) => c.ended === 'fin')).toBe(true);
  });

  test('the replica never holds production up: the duplicator accounts for every byte', async () => {
    const status = await getJson<StatusReport>(duplicator.addresses.metrics!, '/status');
    expect(status.bytes.request).toBe(status.bytes.response);
    expect(status.connections.production.active).toBe(0);
    if (behaviour === 'absent') {
      expect(status.cuts['replica-unavailable']).toBe(20);
      expect(status.replica.inSync).toBe(false);
    }
    if (behaviour !== 'absent' && behaviour.kind === 'fast') {
      expect(status.replica.inSync).toBe(true);
      expect(status.bytes.lostToReplica).toBe(0);
    }
  });
});

describe('duplicator under load', () => {
  let production: XorServer;
  let replica: XorServer;
  let duplicator: RunningParikshan;

  beforeAll(async () => {
    production = await startXorServer();
    replica = await startXorServer();
    duplicator = await startParikshan([
      'duplicate',
      '--listen', '127.0.0.1:0',
      '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`,
      '--metrics', '127.0.0.1:0',
      '--buffer', '64MiB',
      '--total-buffer', '512MiB',
    ]);
  });

  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await production.close();
    await replica.close();
  });

  test('a 48 MiB transfer each way is exact, and the fast replica gets all of it', async () => {
    const transfer = await randomTransfer(duplicator.port('listen'), 48 * 1024 * 1024);
    expect(sha256(xor(transfer.received))).toBe(transfer.sentDigest);
    const status = await waitForIdle(duplicator.addresses.metrics!);
    expect(status.replica.inSync).toBe(true);
    expect(replica.connections.at(-1)!.bytes).toBe(transfer.sentBytes);
    expect(replica.connections.at(-1)!.received.digest('hex')).toBe(transfer.sentDigest);
  });

  test('1,000 concurrent connections are each exact and each mirrored', async () => {
    const before = await getJson<StatusReport>(duplicator.addresses.metrics!, '/status');
    const transfers = await Promise.all(
      Array.from({ length: 1000 }, () => randomTransfer(duplicator.port('listen'), 1 + Math.floor(Math.random() * 8192), { maxChunk: 2048 })),
    );
    for (const transfer of transfers) expect(sha256(xor(transfer.received))).toBe(transfer.sentDigest);
    const status = await waitForIdle(duplicator.addresses.metrics!);
    expect(status.connections.production.total - before.connections.production.total).toBe(1000);
    expect(status.connections.replica.total - before.connections.replica.total).toBe(1000);
    expect(status.replica.inSync).toBe(true);
    const replicaDigests = replica.connections.slice(-1000).map((c) => c.received.digest('hex')).sort();
    expect(replicaDigests).toEqual(transfers.map((t) => t.sentDigest).sort());
  });
});
