import type { Server as NetServer, AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { UserError } from '../util/user-error.js';
import { formatHostPort, type HostPort } from './host-port.js';

/** Room for a burst of connections: Node's default backlog (511) drops SYNs under 1,000 concurrent connects. */
const LISTEN_BACKLOG = 4096;

/** Listens and resolves with the bound address (the real port when 0 was asked), or a UserError. */
export function listenOn(server: NetServer | HttpServer, address: HostPort, option: string): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'address already in use'
          : err.code === 'EADDRNOTAVAIL'
            ? 'no such local address'
            : err.code === 'EACCES'
              ? 'permission denied'
              : err.code === 'ENOTFOUND'
                ? 'unknown host'
                : err.message;
      reject(new UserError(`${option}: cannot listen on ${formatHostPort(address)}: ${why}`));
    };
    server.once('error', onError);
    server.listen({ host: address.host, port: address.port, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', onError);
      const bound = server.address() as AddressInfo;
      resolve({ host: bound.address, port: bound.port });
    });
  });
}

export function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
