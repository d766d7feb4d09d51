import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { runParikshan, startParikshan } from './helpers/parikshan-process.js';
import { randomTransfer, sha256, startXorServer, xor } from './helpers/tcp-fixtures.js';

describe('parikshan command line', () => {
  test('--help for every subcommand', async () => {
    for (const command of ['duplicate', 'aggregate', 'status', 'reset']) {
      const { code, stdout } = await runParikshan([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Usage: parikshan ${command}`));
    }
  });

  test.each([
    [['duplicate', '--listen', '127.0.0.1:0', '--production', 'nowhere', '--debug', '1'], /--production: bad address 'nowhere'/],
    [['duplicate', '--listen', '127.0.0.1:0', '--production', '1', '--debug', '1', '--buffer', 'lots'], /--buffer: not a size: 'lots'/],
    [['duplicate', '--listen', '127.0.0.1:0', '--production', '1', '--debug', '1', '--buffer', '1GiB'], /--buffer \(1GiB\) is larger than --total-buffer/],
    [['duplicate', '--listen', '127.0.0.1:0', '--production', '1', '--debug', '1', '--ignore', '(['], /--ignore: bad regular expression/],
    [['duplicate', '--listen', '127.0.0.1:0', '--production', '1'], /required option '--debug <host:port>' not specified/],
    [['status', '--frobnicate'], /unknown option '--frobnicate'/],
    [['status', '--admin', '127.0.0.1:7'], /no parikshan admin endpoint at 127.0.0.1:7 \(connection refused\)/],
  ])('bad input gets one line and a non-zero exit: %j', async (args, message) => {
    const { code, stderr } = await runParikshan(args);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^parikshan: /);
  });

  test('a listening port already in use is one clear line', async () => {
    const taken = net.createServer().listen({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const { code, stderr } = await runParikshan(['duplicate', '--listen', `127.0.0.1:${port}`, '--production', '1', '--debug', '2', '--metrics', '127.0.0.1:0']);
    taken.close();
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^parikshan: --listen: cannot listen on 127.0.0.1:${port}: address already in use\\n$`));
  });

  test('listeners bind 127.0.0.1 unless told otherwise', async () => {
    const duplicator = await startParikshan(['duplicate', '--listen', '0', '--production', '1', '--debug', '2', '--metrics', '0']);
    expect(duplicator.addresses.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(duplicator.addresses.metrics).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await duplicator.stop()).toBe(0);
  });
});

describe('shutdown on SIGTERM', () => {
  test('stops accepting, lets the open connection finish with every byte, exits 0', async () => {
    const production = await startXorServer();
    const replica = await startXorServer();
    const duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0',
    ]);
    const port = duplicator.port('listen');
    const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const first = Buffer.alloc(1024 * 1024, 3);
    await new Promise<void>((resolve) => client.write(first, () => resolve()));
    const stopped = duplicator.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // No longer accepting...
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect({ host: '127.0.0.1', port });
      probe.on('connect', () => (probe.destroy(), resolve(false)));
      probe.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    // ...but the open connection goes on.
    const second = Buffer.alloc(512 * 1024, 4);
    client.end(second);
    await new Promise((resolve) => client.on('close', resolve));
    expect(sha256(xor(Buffer.concat(received)))).toBe(sha256(Buffer.concat([first, second])));
    expect(await stopped).toBe(0);
    expect(duplicator.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
    await production.close();
    await replica.close();
  });

  test('a connection still open at --drain-timeout is half-closed towards production; its answers still arrive', async () => {
    const production = await startXorServer();
    const replica = await startXorServer();
    const duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0', '--drain-timeout', '500ms',
    ]);
    const transfer = randomTransfer(duplicator.port('listen'), 0);
    // An idle client that never closes: randomTransfer with 0 bytes half-closes at once, so open one by hand.
    await transfer;
    const idle = net.connect({ host: '127.0.0.1', port: duplicator.port('listen'), allowHalfOpen: true });
    await new Promise((resolve) => idle.once('connect', resolve));
    idle.write('last words');
    const answer: Buffer[] = [];
    idle.on('data', (chunk: Buffer) => answer.push(chunk));
    const ended = new Promise((resolve) => idle.once('end', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = duplicator.stop('SIGTERM');
    await ended; // production saw FIN after 'last words', answered, closed
    expect(xor(Buffer.concat(answer)).toString()).toBe('last words');
    idle.end();
    expect(await stopped).toBe(0);
    expect(production.connections.at(-1)).toMatchObject({ bytes: 10, ended: 'fin' });
    await production.close();
    await replica.close();
  });
});
