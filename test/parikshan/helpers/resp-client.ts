import net from 'node:net';

/** A minimal lock-step RESP client: one command, then wait for its whole reply. Enough to play a service talking to redis. */
export class RespClient {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a command and returns its raw reply bytes as text. */
  async command(...args: string[]): Promise<string> {
    this.socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    for (;;) {
      const length = replyLength(this.buffered, 0);
      if (length !== undefined) {
        const reply = this.buffered.subarray(0, length).toString();
        this.buffered = this.buffered.subarray(length);
        return reply;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.on('close', () => resolve());
      this.socket.end();
    });
  }
}

/** Bytes of the complete reply at `at`, or undefined if it has not all arrived. */
function replyLength(bytes: Buffer, at: number): number | undefined {
  const lineEnd = bytes.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(bytes[at]!);
  const header = lineEnd + 2 - at;
  if (type === '+' || type === '-' || type === ':') return header;
  const count = Number(bytes.subarray(at + 1, lineEnd).toString());
  if (type === '$') return count < 0 ? header : bytes.length >= lineEnd + 2 + count + 2 ? header + count + 2 : undefined;
  if (type === '*') {
    let total = header;
    for (let i = 0; i < Math.max(count, 0); i++) {
      const element = replyLength(bytes, at + total);
      if (element === undefined) return undefined;
      total += element;
    }
    return total;
  }
  throw new Error(`unexpected RESP type ${type}`);
}
