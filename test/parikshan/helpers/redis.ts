import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './tcp-fixtures.js';
import { waitFor } from './parikshan-process.js';

const run = promisify(execFile);

export interface RedisServer {
  port: number;
  pid: number;
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A throw-away redis-server on 127.0.0.1, in its own temp dir, without persistence. */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'parikshan-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes'],
    { stdio: 'ignore' },
  );
  const cli = async (...args: string[]) => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  await waitFor('redis-server to answer', async () => ((await cli('PING').catch(() => '')) === 'PONG' ? true : undefined));
  return {
    port,
    pid: child.pid!,
    cli,
    async stop() {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function redisBenchmark(port: number, args: string[]): Promise<string> {
  return (await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-q', ...args], { maxBuffer: 16 << 20 })).stdout;
}

/**
 * Stops the process for `stoppedMs` out of every `periodMs` (SIGSTOP/SIGCONT)
 * until the returned function is called: a replica that falls behind, as one
 * under a debugger does, without depending on the machine's load.
 */
export function stutter(pid: number, stoppedMs: number, periodMs: number): () => void {
  let resume: NodeJS.Timeout | undefined;
  const cycle = setInterval(() => {
    process.kill(pid, 'SIGSTOP');
    resume = setTimeout(() => process.kill(pid, 'SIGCONT'), stoppedMs);
  }, periodMs);
  return () => {
    clearInterval(cycle);
    clearTimeout(resume);
    process.kill(pid, 'SIGCONT');
  };
}
