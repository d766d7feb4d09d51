import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A command that exited non-zero; the message ends with the tail of its output. */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
    super(`${command} failed (exit ${exitCode ?? 'signal'})${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandFailed';
  }
}

/** Runs a command to completion, capturing its output; rejects with CommandFailed on a non-zero exit. */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (code === 0) resolve(result);
      else reject(new CommandFailed([file, ...args].join(' '), code, result.stdout, result.stderr));
    });
  });
}

/** True if `name` is an executable on PATH. */
export async function onPath(name: string): Promise<boolean> {
  try {
    await runCommand('sh', ['-c', 'command -v "$1"', 'sh', name]);
    return true;
  } catch {
    return false;
  }
}
