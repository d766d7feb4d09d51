/**
 * A misbehaving debug replica for the benchmark, run as its own process so it
 * does not share the proxy's event loop:
 *   node --import tsx bench/parikshan/replica-server.ts slow 50 PRODUCTION_PORT
 *       a correct but slow replica: answers each request 50 ms after it
 *       arrives, with the bytes production answers to GET /index.html
 *       (recorded once at start, so the lengths agree and the duplicator's
 *       pacing waits for the answer, not for --exchange-timeout)
 *   node --import tsx bench/parikshan/replica-server.ts stalled
 *       accepts, never reads (a replica stopped in a debugger)
 * Prints the port it listens on (127.0.0.1, chosen by the kernel). Either
 * costs next to no CPU, like a replica on another host.
 */
import net, { type AddressInfo } from 'node:net';

const [mode, delayText, productionPort] = process.argv.slice(2);
const delayMs = Number(delayText ?? 50);
const END_OF_HEADERS = '\r\n\r\n';

/** One raw HTTP/1.1 keep-alive answer of production's to GET /index.html, headers and body. */
function recordAnswer(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () =>
      socket.write('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    );
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headersEnd = received.indexOf(END_OF_HEADERS);
      if (headersEnd < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(received.subarray(0, headersEnd).toString('latin1'))?.[1]);
      const total = headersEnd + END_OF_HEADERS.length + length;
      if (received.length < total) return;
      socket.destroy();
      resolve(received.subarray(0, total));
    });
    socket.on('error', reject);
  });
}

const answer = mode === 'slow' ? await recordAnswer(Number(productionPort)) : Buffer.alloc(0);

const server = net.createServer((socket) => {
  socket.on('error', () => {});
  if (mode === 'stalled') {
    socket.pause();
    return;
  }
  // The duplicator sends one request at a time on a connection (it waits for the answer to the last one).
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf(END_OF_HEADERS); end >= 0; end = pending.indexOf(END_OF_HEADERS)) {
      pending = pending.slice(end + END_OF_HEADERS.length);
      setTimeout(() => socket.destroyed || socket.write(answer), delayMs);
    }
  });
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
