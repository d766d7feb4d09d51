import { isIP } from 'node:net';
import { UsageError } from '../util/user-error.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Where parikshan listens when the operator names only a port: never all interfaces by default. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (which means 127.0.0.1).
 * `purpose` names the option in the error message. Port 0 (any free port) is
 * accepted only for addresses we listen on. A bad address is a usage error
 * (exit 2): it comes from an option.
 */
export function parseHostPort(text: string, purpose: string, { listening }: { listening: boolean }): HostPort {
  const bad = (why: string) =>
    new UsageError(`${purpose}: bad address '${text}': ${why}`, 'expected HOST:PORT, e.g. 127.0.0.1:6380');
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) throw bad('an address, not a URL');
  let host = DEFAULT_LISTEN_HOST;
  let portText = trimmed;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(trimmed);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
    if (isIP(host) !== 6) throw bad('not an IPv6 address in brackets');
  } else if (trimmed.includes(':')) {
    const colon = trimmed.lastIndexOf(':');
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) throw bad('write IPv6 addresses in brackets');
    if (host === '') throw bad('missing host');
    if (isIP(host) === 0 && !/^[a-z0-9_][a-z0-9_.-]*$/i.test(host)) throw bad('not a host name or IP address');
  }
  if (!/^\d{1,5}$/.test(portText)) throw bad('port must be a number');
  const port = Number(portText);
  if (port > 65535) throw bad('port out of range');
  if (port === 0 && !listening) throw bad('port 0 is only meaningful for listening');
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
