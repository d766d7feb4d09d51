import type { Logger } from 'pino';
import type { MirrorService } from '../mirror-service.js';

/**
 * Serves until SIGTERM or SIGINT, then shuts down cleanly. A second signal
 * exits at once, for an operator who cannot wait for connections to finish.
 */
export async function runUntilSignalled(service: MirrorService, log: Logger, drainTimeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'signal received');
      service.shutdown(drainTimeoutMs).then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // Everything is closed; do not let a stray handle keep a stopped proxy alive.
  setTimeout(() => process.exit(), 1000).unref();
}
