import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rssBytes, startParikshan, waitFor, type RunningParikshan } from './helpers/parikshan-process.js';
import { absentPort, randomTransfer, startXorServer, xor, sha256, type XorServer } from './helpers/tcp-fixtures.js';

/** A production service scripted per test: the handler gets each accepted socket. */
async function scriptedServer(handler: (socket: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ allowHalfOpen: true }, handler).listen({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function outcome(socket: net.Socket): Promise<{ data: Buffer; end: 'fin' | 'reset' }> {
  const chunks: Buffer[] = [];
  let end: 'fin' | 'reset' = 'fin';
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET') end = 'reset';
  });
  return new Promise((resolve) => socket.on('close', () => resolve({ data: Buffer.concat(chunks), end })));
}

describe('TCP semantics through the duplicator', () => {
  let replica: XorServer;
  const running: RunningParikshan[] = [];

  beforeAll(async () => {
    replica = await startXorServer();
  });
  afterAll(async () => {
    for (const duplicator of running) await duplicator.stop();
    await replica.close();
  });

  async function duplicatorFor(productionPort: number, extra: string[] = []): Promise<RunningParikshan> {
    const duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${productionPort}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0', ...extra,
    ]);
    running.push(duplicator);
    return duplicator;
  }

  test('production half-closes first; the client keeps sending and production still gets it all', async () => {
    let arrived = Buffer.alloc(0);
    const gotAll = new Promise<void>((resolve) => {
      void scriptedServer((socket) => {
        socket.end('hello, I am done talking\n');
        socket.on('data', (chunk: Buffer) => (arrived = Buffer.concat([arrived, chunk])));
        socket.on('end', () => resolve());
      }).then(async (production) => {
        const duplicator = await duplicatorFor(production.port);
        const client = await connect(duplicator.port('listen'));
        const result = outcome(client);
        client.once('end', () => {
          client.write('still here, ');
          client.end('and now I am done too');
        });
        const { data, end } = await result;
        expect(data.toString()).toBe('hello, I am done talking\n');
        expect(end).toBe('fin');
      });
    });
    await gotAll;
    expect(arrived.toString()).toBe('still here, and now I am done too');
  });

  test('a client reset reaches production as a reset', async () => {
    let productionSaw: 'reset' | 'fin' | undefined;
    const seen = new Promise<void>((resolve) => {
      void scriptedServer((socket) => {
        socket.on('error', () => ((productionSaw = 'reset'), resolve()));
        socket.on('end', () => ((productionSaw = 'fin'), resolve()));
      }).then(async (production) => {
        const duplicator = await duplicatorFor(production.port);
        const client = await connect(duplicator.port('listen'));
        client.write('some bytes');
        setTimeout(() => client.resetAndDestroy(), 100);
      });
    });
    await seen;
    expect(productionSaw).toBe('reset');
  });

  test('a production reset reaches the client as a reset, after the bytes sent before it', async () => {
    const production = await scriptedServer((socket) => {
      socket.write('partial answer');
      setTimeout(() => socket.resetAndDestroy(), 100);
    });
    const duplicator = await duplicatorFor(production.port);
    const { data, end } = await outcome(await connect(duplicator.port('listen')));
    expect(data.toString()).toBe('partial answer');
    expect(end).toBe('reset');
  });

  test('production down: the client connection is reset, as a refused connection would fail', async () => {
    const duplicator = await duplicatorFor(await absentPort());
    // Watched from the start: on a busy machine the reset can arrive before
    // the client has seen its connect complete, and the connect fails with it.
    const client = net.connect({ host: '127.0.0.1', port: duplicator.port('listen'), allowHalfOpen: true });
    const { data, end } = await outcome(client);
    expect(data.length).toBe(0);
    expect(end).toBe('reset');
  });

  test('a client that stops reading stalls its own sending, not the proxy: bounded memory, every byte delivered', async () => {
    const production = await startXorServer();
    const duplicator = await duplicatorFor(production.port, ['--buffer', '1MiB']);
    const rssBefore = rssBytes(duplicator.child.pid!);
    const client = await connect(duplicator.port('listen'));
    client.pause(); // reads nothing until production's answers have backed up all the way to the client
    const total = 128 * 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    let lastProgress = Date.now();
    const send = () => {
      while (sent < total) {
        sent += chunk.length;
        lastProgress = Date.now();
        if (!client.write(chunk)) return void client.once('drain', send);
      }
      client.end();
    };
    send();
    await waitFor('the client to be held back', () => (Date.now() - lastProgress > 1000 ? true : undefined));
    const stalledAt = sent;
    const rssStalled = rssBytes(duplicator.child.pid!);
    // Without back-pressure the proxy would have read all 128 MiB by now.
    expect(stalledAt).toBeLessThan(total / 2);
    expect(rssStalled - rssBefore).toBeLessThan(32 * 1024 * 1024);

    let received = 0;
    client.on('data', (data: Buffer) => (received += data.length));
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.resume();
    await closed;
    expect(received).toBe(total);
    expect(production.connections.at(-1)!.bytes).toBe(total);
    await production.close();
  });

  test('every byte survives when the client writes in chunks of 1 to 3 bytes', async () => {
    const production = await startXorServer();
    const duplicator = await duplicatorFor(production.port);
    const transfer = await randomTransfer(duplicator.port('listen'), 20_000, { maxChunk: 3 });
    expect(sha256(xor(transfer.received))).toBe(transfer.sentDigest);
    await production.close();
  });
});
