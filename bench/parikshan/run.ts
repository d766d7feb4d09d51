/**
 * Production latency with a debug replica attached: direct, through the
 * parikshan duplicator (replica fast, 50 ms slow, stalled) and through nginx's
 * mirror module (same replicas). One wrk run per setup, all on 127.0.0.1.
 *
 *   bash scripts/system-deps.sh test && node --import tsx bench/parikshan/run.ts [--duration 8]
 *
 * Prints a Markdown table. Takes about two minutes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { documentRoot, startNginx, type Nginx } from '../../test/parikshan/helpers/nginx.js';
import { startParikshan, type RunningParikshan } from '../../test/parikshan/helpers/parikshan-process.js';

const run = promisify(execFile);
const durationSeconds = Number(process.argv[process.argv.indexOf('--duration') + 1] || 8) || 8;
const CONNECTIONS = 32;
const page = `<html><body>${'parikshan benchmark '.repeat(50)}</body></html>\n`;

interface Result {
  setup: string;
  requestsPerSecond: number;
  p50: string;
  p99: string;
  max: string;
  errors: string;
}

async function wrk(setup: string, port: number): Promise<Result> {
  const { stdout } = await run('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${durationSeconds}s`, '--latency', '--timeout', '5s', `http://127.0.0.1:${port}/index.html`]);
  const percentile = (p: string) => new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '?';
  const max = /Latency\s+\S+\s+\S+\s+(\S+)/.exec(stdout)?.[1] ?? '?';
  const errors = /Socket errors: (.*)/.exec(stdout)?.[1] ?? '';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  return {
    setup,
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50: percentile('50'),
    p99: percentile('99'),
    max,
    errors: [errors, non2xx ? `non-2xx ${non2xx}` : ''].filter(Boolean).join('; ') || 'none',
  };
}

async function misbehavingReplica(mode: 'slow' | 'stalled'): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./replica-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))));
  return { port, child };
}

async function duplicatorTo(productionPort: number, debugPort: number): Promise<RunningParikshan> {
  return startParikshan([
    'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${productionPort}`,
    '--debug', `127.0.0.1:${debugPort}`, '--metrics', '127.0.0.1:0',
  ]);
}

function nginxMirrorTo(productionPort: number, debugPort: number): Promise<Nginx> {
  return startNginx(
    `location / { mirror /mirror; proxy_pass http://production; proxy_http_version 1.1; proxy_set_header Connection ""; }
     location = /mirror { internal; proxy_pass http://replica$request_uri; proxy_http_version 1.1; proxy_set_header Connection ""; }`,
    `upstream production { server 127.0.0.1:${productionPort}; keepalive 64; }
     upstream replica { server 127.0.0.1:${debugPort}; keepalive 64; }`,
  );
}

async function main(): Promise<void> {
  const root = documentRoot({ 'index.html': page });
  const production = await startNginx(`root ${root};`);
  const fastReplica = await startNginx(`root ${root};`);
  const slow = await misbehavingReplica('slow');
  const stalled = await misbehavingReplica('stalled');
  const replicas = [
    ['fast', fastReplica.port],
    ['50 ms slow', slow.port],
    ['stalled', stalled.port],
  ] as const;
  const results: Result[] = [];
  try {
    process.stderr.write(`wrk: 2 threads, ${CONNECTIONS} connections, ${durationSeconds}s per setup\n`);
    results.push(await wrk('direct to production', production.port));
    for (const [name, port] of replicas) {
      const duplicator = await duplicatorTo(production.port, port);
      results.push(await wrk(`parikshan duplicator, replica ${name}`, duplicator.port('listen')));
      await duplicator.stop('SIGKILL'); // not a shutdown test: do not wait for a stalled replica's connections
    }
    for (const [name, port] of replicas) {
      const mirror = await nginxMirrorTo(production.port, port);
      results.push(await wrk(`nginx mirror, replica ${name}`, mirror.port));
      await mirror.stop();
    }
  } finally {
    await production.stop();
    await fastReplica.stop();
    slow.child.kill();
    stalled.child.kill();
  }
  const rows = results.map((r) => `| ${r.setup} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} |`);
  process.stdout.write(
    ['| setup | req/s | p50 | p99 | max | errors |', '|---|---:|---:|---:|---:|---|', ...rows].join('\n') + '\n',
  );
}

await main();
