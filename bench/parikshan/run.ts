/**
 * Production latency with a debug replica attached: direct, through the
 * parikshan duplicator (replica fast, 50 ms slow, stalled) and through nginx's
 * mirror module (same replicas), all on 127.0.0.1.
 *
 *   bash scripts/system-deps.sh test && node --import tsx bench/parikshan/run.ts \
 *     [--rounds 5] [--duration 3] [--loads paced,saturating] [--no-pin]
 *
 * Two loads, both wrk with 32 connections: "paced" (each connection waits
 * PACE_MS between an answer and its next request, about 3,000 requests/s: the
 * latency a request sees when nothing is saturated) and "saturating" (no wait:
 * throughput, and latency with every process busy). Each round runs every
 * setup once, in an order rotated from round to round, so that a slow phase of
 * the machine does not land on one setup; the tables give medians over rounds.
 *
 * Pinning (unless --no-pin): CPU 0 is the production host (production's nginx
 * and the duplicator or the mirroring nginx), CPU 1 runs everything that would
 * live elsewhere in a deployment: the load generator and the replicas. So the
 * replica's own work (a fast replica serves every request) does not take CPU
 * from production's path, as it would not on its own host.
 *
 * Prints Markdown tables.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { documentRoot, startNginx } from '../../test/parikshan/helpers/nginx.js';
import { startParikshan } from '../../test/parikshan/helpers/parikshan-process.js';

const run = promisify(execFile);

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}
const ROUNDS = Number(option('rounds', '5'));
const DURATION_S = Number(option('duration', '3'));
const LOADS = option('loads', 'paced,saturating').split(',') as Load[];
const PIN = !process.argv.includes('--no-pin');
const CONNECTIONS = 32;
const PACE_MS = 10;
const PRODUCTION_CPU = '0';
const ELSEWHERE_CPU = '1';
const page = `<html><body>${'parikshan benchmark '.repeat(50)}</body></html>\n`;

type Load = 'paced' | 'saturating';

interface Sample {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** A setup under test: something listening on `port` in front of production. */
interface Running {
  port: number;
  stop(): Promise<unknown>;
}

interface Setup {
  name: string;
  start(): Promise<Running>;
}

async function pin(pid: number, cpu: string): Promise<void> {
  if (PIN) await run('taskset', ['-a', '-p', '-c', cpu, String(pid)]);
}

function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

const pacedScript = join(mkdtempSync(join(tmpdir(), 'parikshan-bench-')), 'paced.lua');
writeFileSync(pacedScript, `function delay()\n  return ${PACE_MS}\nend\n`);

async function wrk(load: Load, port: number): Promise<Sample> {
  const args = ['-t', '2', '-c', String(CONNECTIONS), '-d', `${DURATION_S}s`, '--latency', '--timeout', '5s'];
  if (load === 'paced') args.push('-s', pacedScript);
  const command = PIN ? ['taskset', '-c', ELSEWHERE_CPU, 'wrk'] : ['wrk'];
  const { stdout } = await run(command[0]!, [...command.slice(1), ...args, `http://127.0.0.1:${port}/index.html`]);
  const percentile = (p: string) => milliseconds(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '');
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

async function replicaProcess(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./replica-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))));
  await pin(child.pid!, ELSEWHERE_CPU);
  return { port, child };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function ms(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

async function main(): Promise<void> {
  const root = documentRoot({ 'index.html': page });
  const production = await startNginx(`root ${root};`);
  await pin(production.pid, PRODUCTION_CPU);
  const fastReplica = await startNginx(`root ${root};`);
  await pin(fastReplica.pid, ELSEWHERE_CPU);
  const slow = await replicaProcess(['slow', '50', String(production.port)]);
  const stalled = await replicaProcess(['stalled']);
  const replicas = [
    ['fast', fastReplica.port],
    ['50 ms slow', slow.port],
    ['stalled', stalled.port],
  ] as const;

  const setups: Setup[] = [{ name: 'direct to production', start: async () => ({ port: production.port, stop: async () => {} }) }];
  for (const [name, debugPort] of replicas) {
    setups.push({
      name: `parikshan duplicator, replica ${name}`,
      async start() {
        const duplicator = await startParikshan([
          'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
          '--debug', `127.0.0.1:${debugPort}`, '--metrics', '127.0.0.1:0',
        ]);
        await pin(duplicator.child.pid!, PRODUCTION_CPU);
        // Not a shutdown test: do not wait for a stalled replica's connections.
        return { port: duplicator.port('listen'), stop: () => duplicator.stop('SIGKILL') };
      },
    });
  }
  for (const [name, debugPort] of replicas) {
    setups.push({
      name: `nginx mirror, replica ${name}`,
      async start() {
        const mirror = await startNginx(
          `location / { mirror /mirror; proxy_pass http://production; proxy_http_version 1.1; proxy_set_header Connection ""; }
           location = /mirror { internal; proxy_pass http://replica$request_uri; proxy_http_version 1.1; proxy_set_header Connection ""; }`,
          `upstream production { server 127.0.0.1:${production.port}; keepalive 64; }
           upstream replica { server 127.0.0.1:${debugPort}; keepalive 64; }`,
        );
        await pin(mirror.pid, PRODUCTION_CPU);
        return mirror;
      },
    });
  }

  const samples = new Map<string, Sample[]>();
  try {
    process.stderr.write(
      `wrk: ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} rounds, loads ${LOADS.join(', ')}, ` +
        `${PIN ? `production on CPU ${PRODUCTION_CPU}, wrk and replicas on CPU ${ELSEWHERE_CPU}` : 'not pinned'}\n`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      const order = setups.map((_, i) => setups[(i + round) % setups.length]!);
      for (const setup of order) {
        const running = await setup.start();
        try {
          for (const load of LOADS) {
            const sample = await wrk(load, running.port);
            const key = `${load}\t${setup.name}`;
            samples.set(key, [...(samples.get(key) ?? []), sample]);
            process.stderr.write(`round ${round + 1} ${load} ${setup.name}: ${Math.round(sample.requestsPerSecond)} req/s, p50 ${ms(sample.p50Ms)}, p99 ${ms(sample.p99Ms)}\n`);
          }
        } finally {
          await running.stop();
        }
      }
    }
  } finally {
    await production.stop();
    await fastReplica.stop();
    slow.child.kill();
    stalled.child.kill();
  }

  const summary = (load: Load, setup: string) => {
    const runs = samples.get(`${load}\t${setup}`) ?? [];
    const p99s = runs.map((r) => r.p99Ms);
    return {
      requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(p99s),
      p99Range: [Math.min(...p99s), Math.max(...p99s)] as const,
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
  };
  for (const load of LOADS) {
    const title = load === 'paced' ? `paced: each connection waits ${PACE_MS} ms between requests` : 'saturating: no wait';
    const lines = [`${title}; medians of ${ROUNDS} runs of ${DURATION_S} s`, '', '| setup | req/s | p50 | p99 | p99 over runs | errors |', '|---|---:|---:|---:|---:|---:|'];
    for (const { name } of setups) {
      const s = summary(load, name);
      lines.push(`| ${name} | ${Math.round(s.requestsPerSecond)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ms(s.p99Range[0])} – ${ms(s.p99Range[1])} | ${s.errors} |`);
    }
    const direct = summary(load, 'direct to production');
    const fast = summary(load, 'parikshan duplicator, replica fast');
    const mirrorFast = summary(load, 'nginx mirror, replica fast');
    lines.push('');
    for (const replica of ['50 ms slow', 'stalled']) {
      const other = summary(load, `parikshan duplicator, replica ${replica}`);
      lines.push(`- duplicator p99, replica ${replica} vs fast: ${ms(other.p99Ms)} vs ${ms(fast.p99Ms)} (${signedPercent(other.p99Ms / fast.p99Ms - 1)})`);
    }
    lines.push(
      `- added p50 over direct, replica fast: duplicator ${ms(fast.p50Ms - direct.p50Ms)}, nginx mirror ${ms(mirrorFast.p50Ms - direct.p50Ms)}`,
    );
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${Math.round(fraction * 100)} %`;
}

await main();
