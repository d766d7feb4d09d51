import type { Command } from 'commander';
import { fetchStatus, resetReplica } from '../admin-client.js';
import { parseHostPort } from '../host-port.js';
import { formatStatus } from '../status-table.js';

const DEFAULT_ADMIN = '127.0.0.1:9464';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a running duplicator or aggregator: sync state, debug window, buffers, overflows, divergence')
    .option('--admin <host:port>', 'its --metrics address (the aggregator defaults to 127.0.0.1:9465)', DEFAULT_ADMIN)
    .option('--json', 'print the status as JSON, for scripts')
    .action(async (options: { admin: string; json?: boolean }) => {
      const status = await fetchStatus(parseHostPort(options.admin, '--admin', { listening: false }));
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
}

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('mark the replica in sync again (after restoring it from production) and restart the debug window')
    .option('--admin <host:port>', 'the --metrics address of the duplicator or aggregator', DEFAULT_ADMIN)
    .option('--json', 'print the new status as JSON')
    .action(async (options: { admin: string; json?: boolean }) => {
      const status = await resetReplica(parseHostPort(options.admin, '--admin', { listening: false }));
      process.stdout.write(
        options.json ? `${JSON.stringify(status, null, 2)}\n` : `replica marked in sync; debug window restarted at ${status.replica.mirroringSince}\n`,
      );
    });
}
