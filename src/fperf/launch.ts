/**
 * Starting a program for `iprobe fperf -- prog`: through `iprobe run`, so
 * that the program is not a child of this process (the ptrace engine
 * refuses to patch its own children: their wait statuses would race with
 * Node's). The program's stdin and stdout are this process's; its stderr
 * passes through here, once the launcher's pid line has been read.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../native/load-addon.js';
import type { Mode } from '../runtime/layout.js';
import { UserError } from '../util/user-error.js';

/** The built CLI, also when this module runs from src/ under tsx (benchmarks, tests). */
const IPROBE_CLI = path.join(projectRoot, 'dist', 'cli', 'iprobe.js');

export interface LaunchedProgram {
  pid: number;
  /** Settles when the program has exited (with the launcher's exit code: the program's). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; wallMs: number }>;
}

export interface LaunchOptions {
  mode: Exclude<Mode, 'fperf'>;
  /** Discard the program's output (a baseline run), and give it no stdin. */
  quiet?: boolean;
  /** The program's stdout goes to this process's stderr (iprobe's stdout carries --json). */
  stdoutToStderr?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function launchWithRuntime(command: readonly string[], options: LaunchOptions): Promise<LaunchedProgram> {
  const started = performance.now();
  const launcher = spawn(process.execPath, [IPROBE_CLI, 'run', '--mode', options.mode, '--', ...command], {
    stdio: [options.quiet ? 'ignore' : 'inherit', options.quiet ? 'ignore' : options.stdoutToStderr ? 2 : 'inherit', 'pipe'],
    env: options.env ?? process.env,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; wallMs: number }>((resolve) =>
    launcher.once('exit', (code, signal) => resolve({ code, signal, wallMs: performance.now() - started })),
  );
  const stderr = launcher.stderr!;
  let head = '';
  const pid = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString();
      const m = /^iprobe: pid (\d+), runtime segment .*\n/m.exec(head);
      if (!m) return;
      stderr.off('data', onData);
      const rest = head.slice(0, m.index) + head.slice(m.index + m[0].length);
      if (rest && !options.quiet) process.stderr.write(rest);
      stderr.on('data', (more: Buffer) => {
        if (!options.quiet) process.stderr.write(more);
      });
      resolve(Number(m[1]));
    };
    stderr.on('data', onData);
    launcher.once('exit', (code) =>
      reject(new UserError(`cannot start ${command[0]}: ${head.trim().replace(/^iprobe: /, '') || `iprobe run exited with ${code}`}`)),
    );
  });
  return { pid, exited };
}
