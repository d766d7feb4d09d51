import { request as httpRequest } from 'node:http';
import { UserError } from '../util/user-error.js';
import { formatHostPort, type HostPort } from './host-port.js';
import type { StatusReport } from './status-report.js';

const REQUEST_TIMEOUT_MS = 5_000;

/** Asks a running duplicator or aggregator for its status. */
export function fetchStatus(admin: HostPort): Promise<StatusReport> {
  return request(admin, 'GET', '/status');
}

/** Marks the replica in sync again (after the operator restored it) and returns the new status. */
export function resetReplica(admin: HostPort): Promise<StatusReport> {
  return request(admin, 'POST', '/reset');
}

/**
 * node:http rather than fetch: fetch refuses ports that browsers block (6000,
 * 6665-6669, ...), and an admin endpoint may well be on one.
 */
function request(admin: HostPort, method: string, path: string): Promise<StatusReport> {
  const where = formatHostPort(admin);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: admin.host, port: admin.port, method, path, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new UserError(`${where}${path} answered ${response.statusCode}`));
        let status: Partial<StatusReport> | undefined;
        try {
          status = JSON.parse(body) as Partial<StatusReport>;
        } catch {
          // handled below
        }
        if (status?.role !== 'duplicator' && status?.role !== 'aggregator') {
          return reject(new UserError(`${where} does not look like a parikshan admin endpoint`));
        }
        resolve(status as StatusReport);
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message);
      reject(
        new UserError(
          `no parikshan admin endpoint at ${where} (${why})`,
          'pass --admin with the --metrics address of the running duplicator or aggregator',
        ),
      );
    });
    outgoing.end();
  });
}
