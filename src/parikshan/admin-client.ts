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

async function request(admin: HostPort, method: string, path: string): Promise<StatusReport> {
  const where = formatHostPort(admin);
  let response: Response;
  try {
    response = await fetch(`http://${where}${path}`, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new UserError(
      `no parikshan admin endpoint at ${where} (${cause === 'ECONNREFUSED' ? 'connection refused' : cause})`,
      'pass --admin with the --metrics address of the running duplicator or aggregator',
    );
  }
  if (!response.ok) throw new UserError(`${where}${path} answered ${response.status} ${response.statusText}`);
  const body = (await response.json()) as Partial<StatusReport>;
  if (body.role !== 'duplicator' && body.role !== 'aggregator') {
    throw new UserError(`${where} does not look like a parikshan admin endpoint`);
  }
  return body as StatusReport;
}
