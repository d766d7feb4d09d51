/**
 * One Table 3.1 measurement: two redis-servers, the duplicator (the CLI, as
 * a child process) in front of them, the replica behind a proxy that delays
 * each turn, and an open-loop load; runs until the first buffer overflow or
 * a time cap, and keeps the live prediction `parikshan status` showed last
 * before it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '../../parikshan/status-report.js';
import { startReplicaDelayProxy } from './replica-delay-proxy.js';
import { startRequestLoad } from './request-load.js';

export interface RigRun {
  /** Seconds from the connection's start to its first overflow; null if none within the cap. */
  observedSeconds: number | null;
  /** The last measured prediction before the overflow (or the cap). */
  prediction: StatusReport['prediction'] | null;
  requestsSent: number;
}

export interface RigSettings {
  bufferBytes: number;
  gapMs: () => number;
  delayMs: () => number;
  capSeconds: number;
}

export async function measureDebugWindow(settings: RigSettings): Promise<RigRun> {
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const production = await startRedis();
    stops.push(production.stop);
    const replica = await startRedis();
    stops.push(replica.stop);
    const proxy = await startReplicaDelayProxy(replica.port, settings.delayMs);
    stops.push(proxy.stop);
    const duplicator = await startDuplicator([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`, '--debug', `127.0.0.1:${proxy.port}`,
      '--metrics', '127.0.0.1:0', '--buffer', `${settings.bufferBytes}`, '--rate-window', '10s',
    ]);
    stops.push(duplicator.stop);
    const load = await startRequestLoad(duplicator.listenPort, settings.gapMs);
    stops.push(load.stop);
    const deadline = performance.now() + settings.capSeconds * 1000;
    let prediction: StatusReport['prediction'] | null = null;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const status = (await (await fetch(`http://${duplicator.admin}/status`)).json()) as StatusReport;
      const overflow = status.overflows.recent[0];
      if (overflow) return { observedSeconds: overflow.debugWindowSeconds, prediction, requestsSent: load.sent() };
      if (status.prediction.basis === 'measured') prediction = status.prediction;
    }
    return { observedSeconds: null, prediction, requestsSent: load.sent() };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

async function startRedis(): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'iprobe-window-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async stop() {
      child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The parikshan CLI: built (dist) when this runs from dist, from source with tsx otherwise. */
async function startDuplicator(args: string[]): Promise<{ listenPort: number; admin: string; stop(): Promise<void> }> {
  const built = fileURLToPath(new URL('../../cli/parikshan.js', import.meta.url));
  const source = fileURLToPath(new URL('../../cli/parikshan.ts', import.meta.url));
  const argv = existsSync(built) ? [built] : ['--import', 'tsx', source];
  const child: ChildProcess = spawn(process.execPath, [...argv, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const addresses = await new Promise<Record<string, string>>((resolve, reject) => {
    let text = '';
    createInterface({ input: child.stderr! }).on('line', (line) => {
      text += `${line}\n`;
      if (/ listening"/.test(line)) resolve((JSON.parse(line) as { addresses: Record<string, string> }).addresses);
    });
    void exited.then(() => reject(new Error(`parikshan duplicate exited before listening: ${text.trim().split('\n').pop()}`)));
  });
  return {
    listenPort: Number(addresses.listen!.split(':').pop()),
    admin: addresses.metrics!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
