import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startParikshan, waitFor, waitForIdle, type RunningParikshan } from './helpers/parikshan-process.js';
import { startXorServer, type XorServer } from './helpers/tcp-fixtures.js';

/** A client that sends `turns` requests one at a time, each after the whole answer to the last, then closes. */
function lockStepClient(port: number, turns: number, turnBytes: number, fill: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let sent = 0;
    let answered = 0;
    const next = () => {
      if (sent === turns) return void socket.end();
      sent++;
      socket.write(Buffer.alloc(turnBytes, fill));
    };
    socket.on('connect', next);
    socket.on('data', (chunk: Buffer) => {
      answered += chunk.length;
      if (answered === sent * turnBytes) next();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

// Production serves a client's connections one after the other; a replica
// that lags must get them in that order too, or a later connection reads
// state (a list, a counter) that an earlier one has not written yet there.
describe('connections that follow one another reach a lagging replica in the same order', () => {
  let production: XorServer;
  let replica: XorServer;
  let duplicator: RunningParikshan;

  beforeAll(async () => {
    production = await startXorServer();
    replica = await startXorServer({ kind: 'slow', delayMs: 40 });
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0', '--exchange-timeout', '5s',
    ]);
  });
  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await production.close();
    await replica.close();
  });

  test("a connection opened after another's answers gets to the replica only after the replica has answered them", async () => {
    const port = duplicator.port('listen');
    // The replica needs 6 × 40 ms for the first connection; production about a millisecond.
    await lockStepClient(port, 6, 100, 0x41);
    await lockStepClient(port, 2, 100, 0x42);
    const status = await waitForIdle(duplicator.addresses.metrics!);
    expect(status.replica.inSync).toBe(true);
    expect(status.divergence).toMatchObject({ compared: 8, divergent: 0 });
    expect(replica.connections.map((c) => c.bytes)).toEqual([600, 200]);
    expect(replica.arrivals.lastIndexOf(0)).toBeLessThan(replica.arrivals.indexOf(1));
  });
});

describe('a replica that never answers an idle connection', () => {
  let production: XorServer;
  let replica: XorServer;
  let duplicator: RunningParikshan;

  beforeAll(async () => {
    production = await startXorServer();
    replica = await startXorServer({ kind: 'sink' });
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0', '--exchange-timeout', '300ms',
    ]);
  });
  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await production.close();
    await replica.close();
  });

  test('holds a newer connection back for --exchange-timeout, not for as long as the idle one stays open', async () => {
    const port = duplicator.port('listen');
    const idle = net.connect({ host: '127.0.0.1', port });
    idle.write(Buffer.alloc(10, 0x41));
    await new Promise((resolve) => idle.once('data', resolve)); // production answered; the replica never will
    const newer = lockStepClient(port, 1, 10, 0x42);
    try {
      await waitFor('the newer connection to reach the replica', () => (replica.connections[1]?.bytes === 10 ? true : undefined), 10_000);
    } finally {
      idle.end();
    }
    await newer;
  });
});
