import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { BufferLevel, StatusReport } from './status-report.js';

export interface AdminEndpoints {
  metrics: Registry;
  status(): StatusReport;
  bufferLevel(): BufferLevel;
  reset(): void;
}

/**
 * The metrics/admin HTTP endpoint (--metrics):
 *   GET  /metrics       Prometheus text exposition
 *   GET  /status        the full StatusReport as JSON (what `parikshan status` shows)
 *   GET  /buffer-level  a few numbers, cheap enough to poll many times a second
 *   POST /reset         mark the replica in sync again and restart the debug window
 */
export function createAdminServer(endpoints: AdminEndpoints): Server {
  const server = createServer((request, response) => {
    route(endpoints, request, response).catch((err: Error) => send(response, 500, 'text/plain', `${err.message}\n`));
  });
  // Scrapers and status polls keep connections alive; do not let them hold up shutdown.
  server.keepAliveTimeout = 5_000;
  return server;
}

async function route(endpoints: AdminEndpoints, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://admin').pathname;
  const method = request.method ?? 'GET';
  const allowed = path === '/reset' ? 'POST' : 'GET';
  const known = ['/', '/metrics', '/status', '/buffer-level', '/reset'].includes(path);
  if (!known) return send(response, 404, 'text/plain', 'not found: try /metrics, /status, /buffer-level, POST /reset\n');
  if (method !== allowed && !(allowed === 'GET' && method === 'HEAD')) {
    response.setHeader('allow', allowed);
    return send(response, 405, 'text/plain', `${path} takes ${allowed}\n`);
  }
  switch (path) {
    case '/metrics':
      return send(response, 200, endpoints.metrics.contentType, await endpoints.metrics.metrics());
    case '/status':
      return sendJson(response, endpoints.status());
    case '/buffer-level':
      return sendJson(response, endpoints.bufferLevel());
    case '/reset':
      endpoints.reset();
      return sendJson(response, endpoints.status());
    default:
      return send(response, 200, 'text/plain', 'parikshan admin: GET /metrics, GET /status, GET /buffer-level, POST /reset\n');
  }
}

function sendJson(response: ServerResponse, body: unknown): void {
  send(response, 200, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
