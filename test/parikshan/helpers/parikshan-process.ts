import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '../../../src/parikshan/status-report.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/parikshan.ts'];
const STOP_TIMEOUT_MS = 20_000;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A running `parikshan duplicate|aggregate`, started on ports chosen by the kernel. */
export interface RunningParikshan {
  child: ChildProcess;
  /** Bound addresses by option name, e.g. listen -> 127.0.0.1:41234. */
  addresses: Record<string, string>;
  port(option: string): number;
  logs: LogLine[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs the parikshan CLI from source and waits for it to say where it listens. */
export async function startParikshan(args: string[]): Promise<RunningParikshan> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  let stderrText = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const addresses = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrText += `${line}\n`;
      try {
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        if (/ listening$/.test(entry.msg)) resolve(entry.addresses as Record<string, string>);
      } catch {
        // not a log line (an error message): kept in stderrText
      }
    });
    void exited.then((code) => reject(new Error(`parikshan exited with ${code} before listening:\n${stderrText}`)));
  });
  return {
    child,
    addresses,
    logs,
    exited,
    port: (option) => Number(addresses[option]!.split(':').pop()),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      // A test that failed half-way may leave a connection that never finishes.
      const killer = setTimeout(() => {
        // The last log lines say what a shutdown that hangs was still waiting for.
        console.error(`parikshan did not stop within ${STOP_TIMEOUT_MS} ms; last log lines:\n${logs.slice(-8).map((l) => JSON.stringify(l)).join('\n')}`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Runs a short parikshan command (status, reset, --help, a bad invocation) to completion. */
export function runParikshan(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function getJson<T>(address: string, path: string, method = 'GET'): Promise<T> {
  const response = await fetch(`http://${address}${path}`, { method });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

export async function getText(address: string, path: string): Promise<string> {
  return (await fetch(`http://${address}${path}`)).text();
}

/** Resident set size of a process, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until no production or replica connection is open on a duplicator or
 * aggregator; returns its status then. On a timeout, the error shows what was
 * still open and the divergence counts, which is what a stuck connection needs explained.
 */
export async function waitForIdle(admin: string): Promise<StatusReport> {
  let last: StatusReport | undefined;
  try {
    return await waitFor('all connections to finish', async () => {
      last = await getJson<StatusReport>(admin, '/status');
      return last.connections.replica.active === 0 && last.connections.production.active === 0 ? last : undefined;
    });
  } catch (err) {
    if (!last) throw err;
    const { connections, busiestConnections, divergence, cuts } = last;
    const { samples, ...counts } = divergence;
    throw new Error(
      `${(err as Error).message}: ${JSON.stringify({ connections, cuts, divergence: counts, busiestConnections, lastDivergences: samples.slice(-3) }, null, 1)}`,
    );
  }
}
