import net from 'node:net';

/** A RESP2 reply: simple and bulk strings, integers, arrays, nil; error replies reject instead. */
export type RespValue = string | number | null | RespValue[];

export class RespError extends Error {
  override name = 'RespError';
}

/**
 * The smallest Redis client that serves the suite: one connection, commands
 * answered in order. It exists so the workloads need neither redis-cli nor an
 * npm client to check readiness, read INFO and shut the server down.
 */
export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: { resolve: (v: RespValue) => void; reject: (e: Error) => void }[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    const failAll = (err: Error): void => {
      for (const waiter of this.pending.splice(0)) waiter.reject(err);
    };
    socket.on('error', failAll);
    socket.on('close', () => failAll(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RespClient(socket));
      });
      socket.once('error', reject);
    });
  }

  command(...args: string[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      const parts = [`*${args.length}\r\n`];
      for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      this.socket.write(parts.join(''));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.pending.shift();
      if (parsed.value instanceof RespError) waiter?.reject(parsed.value);
      else waiter?.resolve(parsed.value);
    }
  }
}

type Parsed = { value: RespValue | RespError; end: number } | undefined;

/** Parses one reply starting at `at`; undefined if the buffer does not hold all of it yet. */
export function parseReply(buffer: Buffer, at: number): Parsed {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buffer[at]!)) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, end);
        if (!item) return undefined;
        if (item.value instanceof RespError) throw item.value;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buffer.toString('utf8', at, Math.min(buffer.length, at + 40)))}`);
  }
}
