import net from 'node:net';
import type { Logger } from 'pino';
import type { HostPort } from './host-port.js';
import { MirrorHub, type MirrorLimits } from './mirror-hub.js';
import { startMirroredPipe } from './mirrored-pipe.js';
import { MirrorService } from './mirror-service.js';
import { PairingSlots } from './pairing-slots.js';

export interface AggregatorConfig {
  productionListen: HostPort;
  debugListen: HostPort;
  upstream: HostPort;
  metrics: HostPort;
  limits: MirrorLimits;
}

/**
 * `parikshan aggregate`: production's outgoing connections go through to the
 * real upstream; the replica's outgoing connections, paired with production's
 * in the order they were opened, get the upstream's answers replayed, and what
 * the replica sends is compared with what production sent, then dropped.
 */
export function createAggregator(config: AggregatorConfig, log: Logger): MirrorService {
  const hub = new MirrorHub('aggregator', config.limits, log);
  const pairing = new PairingSlots(() => hub.createLink());
  const productionServer = net.createServer({ allowHalfOpen: true });
  const replicaServer = net.createServer({ allowHalfOpen: true });
  const service = new MirrorService(
    hub,
    log,
    [
      { option: 'production-listen', server: productionServer, address: config.productionListen },
      { option: 'debug-listen', server: replicaServer, address: config.debugListen },
    ],
    { upstream: config.upstream },
    config.metrics,
  );
  productionServer.on('connection', (client) => {
    const link = pairing.forProduction();
    const pipe = startMirroredPipe(client, config.upstream, link, hub.ctx.stats, 'responses', (closed) =>
      service.untrack(closed),
    );
    service.track(pipe);
    log.debug({ connection: link.id }, 'production connection');
  });
  replicaServer.on('connection', (socket) => {
    const link = pairing.forReplica();
    if (!link) {
      log.debug('replica connection for a production connection already over: reset');
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    link.attachReplica(socket);
    log.debug({ connection: link.id }, 'replica connection');
  });
  return service;
}
