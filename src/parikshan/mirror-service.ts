import type { Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { createAdminServer } from './admin-server.js';
import { formatHostPort, type HostPort } from './host-port.js';
import { closeServer, listenOn } from './listen.js';
import { createMetricsRegistry } from './metrics.js';
import type { MirrorHub } from './mirror-hub.js';
import type { ProductionPipe } from './production-pipe.js';

/** How long replica sides may keep draining after the last production connection closed at shutdown. */
const REPLICA_DRAIN_AT_SHUTDOWN_MS = 2_000;

export interface Listener {
  option: string;
  server: NetServer;
  address: HostPort;
}

/**
 * The lifecycle both commands share: listen on the production-facing ports and
 * the admin endpoint, track production pipes, and shut down without dropping
 * a production byte that was accepted.
 */
export class MirrorService {
  private readonly pipes = new Set<ProductionPipe>();
  private admin: HttpServer | undefined;
  private pipesClosed: (() => void) | undefined;
  private readonly bound: Record<string, string> = {};

  constructor(
    readonly hub: MirrorHub,
    private readonly log: Logger,
    private readonly listeners: Listener[],
    private readonly targets: Record<string, HostPort>,
    private readonly metricsAddress: HostPort,
  ) {}

  track(pipe: ProductionPipe): void {
    this.pipes.add(pipe);
  }

  untrack(pipe: ProductionPipe): void {
    this.pipes.delete(pipe);
    if (this.pipes.size === 0) this.pipesClosed?.();
  }

  /** Starts listening; returns the bound addresses by option name (real ports when 0 was asked). */
  async start(): Promise<Record<string, HostPort>> {
    const addresses: Record<string, HostPort> = {};
    try {
      for (const listener of this.listeners) {
        addresses[listener.option] = await listenOn(listener.server, listener.address, `--${listener.option}`);
      }
      const registry = createMetricsRegistry(this.hub);
      this.admin = createAdminServer({
        metrics: registry,
        status: () => this.hub.status(this.bound),
        bufferLevel: () => this.hub.bufferLevel(),
        reset: () => this.hub.resetSync(),
      });
      addresses.metrics = await listenOn(this.admin, this.metricsAddress, '--metrics');
    } catch (err) {
      await this.closeListeners();
      throw err;
    }
    for (const [option, address] of Object.entries({ ...addresses, ...this.targets })) {
      this.bound[option] = formatHostPort(address);
    }
    this.hub.watch.start();
    this.log.info({ addresses: this.bound }, `parikshan ${this.hub.role} listening`);
    return addresses;
  }

  /**
   * Stops accepting, lets production connections finish (after `drainTimeoutMs`
   * half-closes the rest towards production, which then answers and closes),
   * gives replica sides a moment to drain, and closes the admin endpoint.
   */
  async shutdown(drainTimeoutMs: number): Promise<void> {
    this.log.info({ productionConnections: this.pipes.size, drainTimeoutMs }, 'shutdown: no longer accepting');
    this.hub.watch.stop();
    const listenersClosed = Promise.all(this.listeners.map((listener) => closeServer(listener.server)));
    const allClosed = new Promise<void>((resolve) => {
      this.pipesClosed = resolve;
      if (this.pipes.size === 0) resolve();
    });
    let drainTimer: NodeJS.Timeout | undefined;
    if (drainTimeoutMs > 0) {
      drainTimer = setTimeout(() => {
        this.log.info({ productionConnections: this.pipes.size }, 'shutdown: drain timeout, half-closing towards production');
        for (const pipe of this.pipes) pipe.closeGracefully();
      }, drainTimeoutMs);
    }
    await allClosed;
    clearTimeout(drainTimer);
    await this.waitForReplicaSides(REPLICA_DRAIN_AT_SHUTDOWN_MS);
    this.hub.cutAll('shutdown');
    // Only now: a listener's close waits for its connections, and the aggregator's include the replica's.
    await listenersClosed;
    if (this.admin) {
      this.admin.closeAllConnections();
      await closeServer(this.admin);
    }
    this.log.info('shutdown complete');
  }

  private async waitForReplicaSides(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (this.hub.openLinks > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private async closeListeners(): Promise<void> {
    for (const listener of this.listeners) if (listener.server.listening) await closeServer(listener.server);
    if (this.admin?.listening) await closeServer(this.admin);
  }
}
