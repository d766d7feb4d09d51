import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface TimedRunOptions {
  /** File given to the program as its standard input (otherwise /dev/null). */
  stdinFile?: string;
  /** File that receives its standard output (otherwise it is captured and returned). */
  stdoutFile?: string;
  cwd?: string;
}

export interface TimedRun {
  seconds: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one program to completion and measures its wall-clock time from spawn
 * to exit. Files are handed over as file descriptors, so no byte of a large
 * input or output passes through Node and the timing is the program's own.
 * A non-zero exit or a signal is an error that quotes stderr.
 */
export async function timedRun(binary: string, args: readonly string[], options: TimedRunOptions = {}): Promise<TimedRun> {
  const stdin = options.stdinFile ? fs.openSync(options.stdinFile, 'r') : 'ignore';
  const stdout = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'pipe';
  try {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const started = performance.now();
    const { code, signal, ended } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; ended: number }>(
      (resolve, reject) => {
        const child = spawn(binary, args, { cwd: options.cwd, stdio: [stdin, stdout, 'pipe'] });
        child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
        child.on('error', reject);
        let exitedAt = 0;
        child.on('exit', () => (exitedAt = performance.now()));
        child.on('close', (c, s) => resolve({ code: c, signal: s, ended: exitedAt || performance.now() }));
      },
    );
    const result = { seconds: (ended - started) / 1000, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
    if (code !== 0) {
      throw new Error(
        `${binary} ${args.join(' ')} ${signal ? `was killed by ${signal}` : `exited with ${code}`}: ${result.stderr.trim().split('\n').slice(-10).join('\n')}`,
      );
    }
    return result;
  } finally {
    if (typeof stdin === 'number') fs.closeSync(stdin);
    if (typeof stdout === 'number') fs.closeSync(stdout);
  }
}
