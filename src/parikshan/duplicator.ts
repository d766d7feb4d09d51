import net from 'node:net';
import type { Logger } from 'pino';
import type { HostPort } from './host-port.js';
import { MirrorHub, type MirrorLimits } from './mirror-hub.js';
import { startMirroredPipe } from './mirrored-pipe.js';
import { MirrorService } from './mirror-service.js';

export interface DuplicatorConfig {
  listen: HostPort;
  production: HostPort;
  debug: HostPort;
  metrics: HostPort;
  limits: MirrorLimits;
}

/**
 * `parikshan duplicate`: for each client connection, one connection to
 * production (the real conversation) and one to the debug replica (a copy of
 * the client's bytes, never waited on).
 */
export function createDuplicator(config: DuplicatorConfig, log: Logger): MirrorService {
  const hub = new MirrorHub('duplicator', config.limits, log);
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false });
  const service = new MirrorService(
    hub,
    log,
    [{ option: 'listen', server, address: config.listen }],
    { production: config.production, debug: config.debug },
    config.metrics,
  );
  server.on('connection', (client) => {
    const link = hub.createLink({ afterOlder: true });
    const pipe = startMirroredPipe(client, config.production, link, hub.ctx.stats, 'requests', (closed) =>
      service.untrack(closed),
    );
    service.track(pipe);
    link.attachReplica(net.connect({ host: config.debug.host, port: config.debug.port, allowHalfOpen: true }));
    log.debug({ connection: link.id, client: `${client.remoteAddress}:${client.remotePort}` }, 'connection');
  });
  return service;
}
