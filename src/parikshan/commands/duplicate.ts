import type { Command } from 'commander';
import { createDuplicator } from '../duplicator.js';
import { parseHostPort } from '../host-port.js';
import { createLogger } from '../logger.js';
import { addMirrorOptions, parseMirrorOptions, type RawMirrorOptions } from './mirror-options.js';
import { serveUntilSignalled } from './run-until-signalled.js';

interface RawDuplicateOptions extends RawMirrorOptions {
  listen: string;
  production: string;
  debug: string;
}

export function registerDuplicate(program: Command): void {
  const command = program
    .command('duplicate')
    .description(
      'TCP proxy in front of a production service: clients talk to production; a copy of their bytes goes to a debug replica, which can never slow production down',
    )
    .requiredOption('--listen <host:port>', 'where clients connect (a bare port means 127.0.0.1)')
    .requiredOption('--production <host:port>', 'the production service')
    .requiredOption('--debug <host:port>', 'the debug replica');
  addMirrorOptions(command, '127.0.0.1:9464').action(async (raw: RawDuplicateOptions) => {
    const options = parseMirrorOptions(raw);
    const config = {
      listen: parseHostPort(raw.listen, '--listen', { listening: true }),
      production: parseHostPort(raw.production, '--production', { listening: false }),
      debug: parseHostPort(raw.debug, '--debug', { listening: false }),
      metrics: options.metrics,
      limits: options.limits,
    };
    const log = createLogger('duplicator', options.logLevel);
    const service = createDuplicator(config, log);
    await serveUntilSignalled(service, log, options.drainTimeoutMs);
  });
}
