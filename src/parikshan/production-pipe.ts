import net, { type Socket } from 'node:net';
import type { HostPort } from './host-port.js';

export interface PipeObserver {
  /** Bytes the client sent, already handed to the server socket. */
  onRequest(chunk: Buffer): void;
  /** Bytes the server sent, already handed to the client socket. */
  onResponse(chunk: Buffer): void;
  onRequestEnd(): void;
  onResponseEnd(): void;
  /** Both sockets are closed; `reset` when either side was reset or failed. */
  onClosed(reset: boolean): void;
}

/**
 * The production path: a byte-exact TCP relay between an accepted client and
 * a connection it opens to the server. Back-pressure runs only between these
 * two (a full side pauses the other), FIN is passed on as FIN, and a reset or
 * a failure on either side resets the other, as a direct connection would.
 */
export class ProductionPipe {
  readonly server: Socket;
  private reset = false;
  private openSockets = 2;

  constructor(
    readonly client: Socket,
    target: HostPort,
    private readonly observer: PipeObserver,
  ) {
    this.server = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    this.relay(client, this.server, (chunk) => observer.onRequest(chunk), () => observer.onRequestEnd());
    this.relay(this.server, client, (chunk) => observer.onResponse(chunk), () => observer.onResponseEnd());
  }

  /**
   * For shutdown: half-close towards the server once every byte already read
   * from the client has been written, so the server answers what it got and
   * closes, as it would on a client's FIN. Client bytes arriving after that
   * are discarded, as a server that had closed would.
   */
  closeGracefully(): void {
    if (this.server.destroyed || this.server.writableEnded) return;
    this.server.end();
    this.observer.onRequestEnd();
  }

  private relay(from: Socket, to: Socket, observe: (chunk: Buffer) => void, ended: () => void): void {
    from.on('data', (chunk: Buffer) => {
      if (to.writableEnded) return; // only after closeGracefully()
      if (!to.write(chunk)) from.pause();
      observe(chunk);
    });
    to.on('drain', () => from.resume());
    from.on('end', () => {
      if (to.destroyed || to.writableEnded) return;
      to.end();
      ended();
    });
    from.on('error', () => {
      this.reset = true;
      if (!to.destroyed) to.resetAndDestroy();
    });
    from.on('close', (hadError) => {
      // A socket destroyed with unsent data or by its peer's RST: reset the other side too.
      if (hadError) this.reset = true;
      if (hadError && !to.destroyed) to.resetAndDestroy();
      if (--this.openSockets === 0) this.observer.onClosed(this.reset);
    });
  }
}
