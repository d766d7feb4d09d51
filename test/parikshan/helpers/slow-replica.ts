import net from 'node:net';
import { RandomStream } from '../../../src/parikshan/window-model/random-stream.js';

/**
 * A replica slowed by a known factor: a proxy in front of a real replica
 * that holds each read from the duplicator for an exponential delay of mean
 * `meanDelayMs` (seeded) before passing it on, and reads nothing meanwhile.
 * The duplicator hands a replica one client turn at a time, so each read is
 * one turn and the replica serves turns at about 1000/meanDelayMs per second.
 */
export async function startSlowReplica(targetPort: number, meanDelayMs: number, seed: number): Promise<{ port: number; stop(): Promise<void> }> {
  const random = new RandomStream(seed);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((front) => {
    const back = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(front).add(back);
    front.setNoDelay(true);
    back.setNoDelay(true);
    front.on('data', (chunk) => {
      front.pause();
      setTimeout(() => {
        back.write(chunk);
        front.resume();
      }, random.exponential(meanDelayMs));
    });
    back.on('data', (chunk) => front.write(chunk));
    for (const [a, b] of [[front, back], [back, front]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * An open-loop Poisson load on one connection: `SET` commands at exponential
 * gaps of mean 1/rate, scheduled on absolute times so timer lateness does not
 * lower the rate; answers are read and dropped.
 */
export async function startPoissonLoad(port: number, rate: number, seed: number): Promise<{ sent(): number; stop(): void }> {
  const random = new RandomStream(seed);
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  socket.on('data', () => {});
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let sent = 0;
  let stopped = false;
  const started = performance.now();
  let due = started + random.exponential(1000 / rate);
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    while (due <= now) {
      const key = `key:${String(sent % 10_000).padStart(4, '0')}`;
      socket.write(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$16\r\nvalue-0123456789\r\n`);
      sent++;
      due += random.exponential(1000 / rate);
    }
    setTimeout(tick, Math.max(0, due - performance.now()));
  };
  tick();
  return {
    sent: () => sent,
    stop() {
      stopped = true;
      socket.destroy();
    },
  };
}
