import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';

/** The production service of the tests: answers every chunk with its bytes XOR 0x5a, and FIN with FIN. */
export interface XorServer {
  server: Server;
  port: number;
  /** Per accepted connection, in accept order: what arrived, and how it ended. */
  connections: { received: ReturnType<typeof createHash>; bytes: number; ended: 'open' | 'fin' | 'reset' }[];
  /** Every chunk read, in the order read across all connections: the index of its connection in `connections`. */
  arrivals: number[];
  close(): Promise<void>;
}

export type ReplicaBehaviour =
  | { kind: 'fast' }
  /** Reads one chunk, then waits this long before reading on (a slow consumer). */
  | { kind: 'slow'; delayMs: number }
  /** Accepts and never reads. */
  | { kind: 'stalled' }
  /** Reads and records, never answers. */
  | { kind: 'sink' }
  /** Resets each connection after this many bytes (a crashing process). */
  | { kind: 'crashing'; afterBytes: number };

export function xor(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! ^ 0x5a;
  return out;
}

export async function startXorServer(behaviour: ReplicaBehaviour = { kind: 'fast' }): Promise<XorServer> {
  const connections: XorServer['connections'] = [];
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const record: XorServer['connections'][number] = { received: createHash('sha256'), bytes: 0, ended: 'open' };
    const index = connections.push(record) - 1;
    socket.on('error', () => (record.ended = 'reset'));
    if (behaviour.kind === 'stalled') {
      socket.pause();
      return;
    }
    socket.on('data', (chunk: Buffer) => {
      record.received.update(chunk);
      record.bytes += chunk.length;
      arrivals.push(index);
      if (behaviour.kind === 'crashing' && record.bytes >= behaviour.afterBytes) {
        socket.resetAndDestroy();
        return;
      }
      // Like a real server, stop reading while the peer does not take the answers.
      if (behaviour.kind !== 'sink' && !socket.write(xor(chunk))) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
      if (behaviour.kind === 'slow') {
        socket.pause();
        setTimeout(() => socket.writableNeedDrain || socket.resume(), behaviour.delayMs);
      }
    });
    socket.on('end', () => {
      if (record.ended === 'open') record.ended = 'fin';
      socket.end();
    });
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on which nothing listens (bound, then released). */
/** An ephemeral port of 127.0.0.1 free a moment ago, for a server to listen on. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A port of 127.0.0.1 nobody listens on, for as long as the test runs: a
 * privileged one (below 1024) that refuses connections now. An ephemeral port
 * closed after use was handed to another test's server in a busy run, and the
 * "absent" peer answered.
 */
export async function absentPort(): Promise<number> {
  for (let port = 1; port < 1024; port++) {
    if (await refused(port)) return port;
  }
  throw new Error('every privileged port of 127.0.0.1 accepts connections');
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/**
 * A replica whose listen queue is full, so the kernel drops the proxy's SYN
 * and its connect stays pending: nothing the proxy queues can leak into
 * kernel buffers, which makes its buffer accounting observable to the byte.
 * Node accepts every connection at once, so this one is a small Python program.
 */
export async function startFullBacklogReplica(): Promise<{ port: number; stop(): void }> {
  const program = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = socket.socket(); fill.connect(s.getsockname())
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;
  const child: ChildProcess = spawn('python3', ['-c', program], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`full-backlog replica exited with ${code}`)));
  });
  return { port, stop: () => child.kill() };
}

export interface Transfer {
  sentDigest: string;
  sentBytes: number;
  received: Buffer;
  closedBy: 'fin' | 'reset';
}

/**
 * Connects, sends `totalBytes` of random bytes in random-sized chunks (with
 * write back-pressure), half-closes, and collects everything until the peer
 * closes. Returns what was sent and received.
 */
export function randomTransfer(port: number, totalBytes: number, { maxChunk = 64 * 1024 } = {}): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const digest = createHash('sha256');
    const received: Buffer[] = [];
    let sent = 0;
    let closedBy: Transfer['closedBy'] = 'fin';
    const sendMore = () => {
      while (sent < totalBytes) {
        const size = Math.min(totalBytes - sent, 1 + Math.floor(Math.random() * maxChunk));
        const chunk = randomBytes(size);
        digest.update(chunk);
        sent += size;
        if (!socket.write(chunk)) return void socket.once('drain', sendMore);
      }
      socket.end();
    };
    socket.on('connect', sendMore);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') closedBy = 'reset';
      else reject(err);
    });
    socket.on('close', () =>
      resolve({ sentDigest: digest.digest('hex'), sentBytes: sent, received: Buffer.concat(received), closedBy }),
    );
  });
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
