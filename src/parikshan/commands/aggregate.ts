import type { Command } from 'commander';
import { createAggregator } from '../aggregator.js';
import { parseHostPort } from '../host-port.js';
import { createLogger } from '../logger.js';
import { addMirrorOptions, parseMirrorOptions, type RawMirrorOptions } from './mirror-options.js';
import { serveUntilSignalled } from './run-until-signalled.js';

interface RawAggregateOptions extends RawMirrorOptions {
  productionListen: string;
  debugListen: string;
  upstream: string;
}

export function registerAggregate(program: Command): void {
  const command = program
    .command('aggregate')
    .description(
      "for a service in the middle of a chain: production's upstream connections go to the real upstream; the replica's are answered with production's upstream replies, and what it sends is compared, never forwarded",
    )
    .requiredOption('--production-listen <host:port>', 'where production connects instead of the upstream')
    .requiredOption('--debug-listen <host:port>', 'where the replica connects instead of the upstream')
    .requiredOption('--upstream <host:port>', 'the real upstream (a database, say)');
  addMirrorOptions(command, '127.0.0.1:9465').action(async (raw: RawAggregateOptions) => {
    const options = parseMirrorOptions(raw);
    const config = {
      productionListen: parseHostPort(raw.productionListen, '--production-listen', { listening: true }),
      debugListen: parseHostPort(raw.debugListen, '--debug-listen', { listening: true }),
      upstream: parseHostPort(raw.upstream, '--upstream', { listening: false }),
      metrics: options.metrics,
      limits: options.limits,
    };
    const log = createLogger('aggregator', options.logLevel);
    const service = createAggregator(config, log);
    await serveUntilSignalled(service, log, options.drainTimeoutMs);
  });
}
