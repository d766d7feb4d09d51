import type { Socket } from 'node:net';
import type { HostPort } from './host-port.js';
import type { MirrorStats } from './mirror-stats.js';
import { ProductionPipe } from './production-pipe.js';
import type { ReplicaLink } from './replica-link.js';

/**
 * Which direction of production's connection the replica is fed:
 * - 'requests' (duplicator): the client's bytes go to the replica, production's answers are compared;
 * - 'responses' (aggregator): the upstream's answers are replayed to the replica, production's requests compared.
 */
export type FedDirection = 'requests' | 'responses';

/** Opens production's pipe for an accepted connection and reports both directions to the replica link. */
export function startMirroredPipe(
  client: Socket,
  target: HostPort,
  link: ReplicaLink,
  stats: MirrorStats,
  fed: FedDirection,
  onClosed: (pipe: ProductionPipe) => void,
): ProductionPipe {
  stats.productionConnections++;
  stats.productionConnectionsActive++;
  const feedsRequests = fed === 'requests';
  const pipe: ProductionPipe = new ProductionPipe(client, target, {
    onRequest(chunk) {
      stats.requestBytes += chunk.length;
      if (feedsRequests) link.feed(chunk);
      else link.answer(chunk);
    },
    onResponse(chunk) {
      stats.responseBytes += chunk.length;
      if (feedsRequests) link.answer(chunk);
      else link.feed(chunk);
    },
    onRequestEnd() {
      if (feedsRequests) link.feedEnded();
      else link.answerEnded();
    },
    onResponseEnd() {
      if (feedsRequests) link.answerEnded();
      else link.feedEnded();
    },
    onClosed(reset) {
      stats.productionConnectionsActive--;
      link.leaderClosed(reset);
      onClosed(pipe);
    },
  });
  return pipe;
}
