import net from 'node:net';

/**
 * A replica slowed by a known factor: a proxy in front of a real replica
 * that holds each read from the duplicator for `delayMs()` before passing it
 * on, reading nothing meanwhile (the seed's "sleep in the request handler").
 * The duplicator hands a replica one client turn at a time, so each read is
 * one turn and the replica serves about 1000/mean(delayMs) turns per second.
 */
export async function startReplicaDelayProxy(targetPort: number, delayMs: () => number): Promise<{ port: number; stop(): Promise<void> }> {
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
      }, delayMs());
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
