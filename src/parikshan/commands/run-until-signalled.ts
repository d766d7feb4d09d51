import type { Logger } from 'pino';
import type { MirrorService } from '../mirror-service.js';

/**
 * Starts the service and serves until SIGTERM or SIGINT, then shuts down
 * cleanly. The handlers are installed before anything listens: a signal that
 * arrives while starting must not kill the process the default way. A second
 * signal exits at once, for an operator who cannot wait for connections.
 */
export async function serveUntilSignalled(service: MirrorService, log: Logger, drainTimeoutMs: number): Promise<void> {
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let stopping = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal: name }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    signalled(name);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await service.start();
  log.info({ signal: await signal }, 'signal received');
  await service.shutdown(drainTimeoutMs);
  // Everything is closed: exit now rather than through Node's teardown, which
  // waits for every write request to come back and was seen spinning forever
  // (100% CPU in Environment::CleanupHandles) on a write to a reset replica socket.
  process.exit(0);
}
