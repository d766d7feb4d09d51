import net from 'node:net';

/**
 * An open-loop load on one connection: a redis `SET` every `gapMs()`
 * (exponential gaps make it Poisson, fixed gaps constant), scheduled on
 * absolute times so late timers do not lower the rate; answers are dropped.
 */
export async function startRequestLoad(port: number, gapMs: () => number): Promise<{ sent(): number; stop(): void }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  socket.on('data', () => {});
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let sent = 0;
  let stopped = false;
  let due = performance.now() + gapMs();
  const tick = () => {
    if (stopped) return;
    const now = performance.now();
    while (due <= now) {
      const key = `key:${String(sent % 10_000).padStart(4, '0')}`;
      socket.write(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$16\r\nvalue-0123456789\r\n`);
      sent++;
      due += gapMs();
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
