/**
 * A misbehaving debug replica for the benchmark, run as its own process so it
 * does not share the proxy's event loop:
 *   node --import tsx bench/parikshan/replica-server.ts slow 50   answers each read after 50 ms
 *   node --import tsx bench/parikshan/replica-server.ts stalled   accepts, never reads
 * Prints the port it listens on (127.0.0.1, chosen by the kernel).
 */
import net, { type AddressInfo } from 'node:net';

const [mode, delayText] = process.argv.slice(2);
const delayMs = Number(delayText ?? 50);
const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

const server = net.createServer((socket) => {
  socket.on('error', () => {});
  if (mode === 'stalled') {
    socket.pause();
    return;
  }
  socket.on('data', () => {
    socket.pause();
    setTimeout(() => {
      socket.write(answer);
      socket.resume();
    }, delayMs);
  });
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
