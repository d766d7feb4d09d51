import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './tcp-fixtures.js';
import { waitFor } from './parikshan-process.js';

export interface Nginx {
  port: number;
  /** nginx runs as one process (master_process off). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * A throw-away nginx (Debian's package) on 127.0.0.1 in its own prefix
 * directory. `serverBody` is the inside of the server block; `PORT` in it is replaced.
 */
export async function startNginx(serverBody: string, extraHttp = ''): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'parikshan-nginx-'));
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  const port = await freePort();
  const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  ${extraHttp}
  server {
    listen 127.0.0.1:${port};
    ${serverBody}
  }
}`;
  writeFileSync(join(prefix, 'nginx.conf'), config);
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor('nginx to answer', async () => {
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    return answered ? true : undefined;
  });
  return {
    port,
    pid: child.pid!,
    async stop() {
      child.kill('SIGQUIT');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** A document root readable by nginx's workers, with files of the given contents and one fixed mtime. */
export function documentRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'parikshan-docroot-'));
  chmodSync(root, 0o755);
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    writeFileSync(path, content);
    // Same mtime on both roots, so Last-Modified and ETag agree between production and replica.
    utimesSync(path, mtime, mtime);
  }
  return root;
}
