import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RespClient } from './resp-client.js';

export interface RedisServer {
  port: number;
  pid: number;
  /** Its working directory, holding redis.conf and redis.log. */
  dir: string;
  /** A new connection; the caller closes it. */
  connect(): Promise<RespClient>;
  /** SHUTDOWN NOSAVE, then SIGKILL if it has not exited within 5 s; removes a directory we created. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Working directory; a fresh temporary one (removed by stop) if omitted. */
  dir?: string;
  /** Extra redis.conf lines. */
  config?: readonly string[];
  /** How long to wait for the first PONG. */
  readyTimeoutMs?: number;
}

/**
 * Starts `binary` (any redis-server: plain, instrumented, coldpatched) on a
 * free loopback port with nothing persisted, and waits until it answers PING.
 * A port taken between our probe and redis's bind is retried on a new port.
 */
export async function startRedisServer(binary: string, options: StartRedisOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'iprobe-redis-')));
  await fs.mkdir(dir, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, dir, ownDir, options);
    } catch (err) {
      lastError = err;
      if (!/Address already in use/.test(String(err))) break;
    }
  }
  if (ownDir) await fs.rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function startOnce(binary: string, dir: string, ownDir: boolean, options: StartRedisOptions): Promise<RedisServer> {
  const port = await freePort();
  const logFile = path.join(dir, 'redis.log');
  const configFile = path.join(dir, 'redis.conf');
  await fs.writeFile(
    configFile,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'save ""',
      'appendonly no',
      `dir ${dir}`,
      'daemonize no',
      `logfile ${logFile}`,
      // DEBUG DIGEST and friends, from this machine only.
      'enable-debug-command local',
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  await fs.rm(logFile, { force: true });
  const child = spawn(binary, [configFile], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(`could not start: ${err.message}`));
    child.on('exit', (code, signal) => resolve(`exited (${signal ?? `code ${code}`})`));
  });
  const gaveUp = new AbortController();
  const ready = waitForPong(port, options.readyTimeoutMs ?? 10_000, gaveUp.signal);
  const outcome = await Promise.race([ready.then(() => 'ready'), exited]);
  if (outcome !== 'ready') {
    gaveUp.abort();
    await ready.catch(() => {});
    const log = await fs.readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`${binary} ${outcome} before answering on port ${port}: ${log.trim().split('\n').slice(-5).join('\n')}`);
  }
  return runningServer(child, port, dir, ownDir, exited);
}

function runningServer(child: ChildProcess, port: number, dir: string, ownDir: boolean, exited: Promise<string>): RedisServer {
  let stopping: Promise<void> | undefined;
  return {
    port,
    pid: child.pid!,
    dir,
    connect: () => RespClient.connect(port),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const client = await RespClient.connect(port).catch(() => undefined);
          // The server closes the connection instead of replying to SHUTDOWN.
          await client?.command('SHUTDOWN', 'NOSAVE').catch(() => {});
          client?.close();
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        }
        if (ownDir) await fs.rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function waitForPong(port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new Error('gave up waiting');
    try {
      const client = await RespClient.connect(port);
      try {
        if ((await client.command('PING')) === 'PONG') return;
      } finally {
        client.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no PONG on port ${port} within ${timeoutMs} ms: ${(err as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port the kernel just gave us for 127.0.0.1 and we released; redis binds it right after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
