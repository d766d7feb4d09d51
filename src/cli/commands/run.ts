/** `iprobe run`: start a program with the runtime preloaded. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import type { Command } from 'commander';
import { UsageError, UserError } from '../../util/user-error.js';
import type { Mode } from '../../runtime/layout.js';
import { preloadEnvironment } from '../../runtime/library.js';
import { removeStaleSegments, segmentPath } from '../../runtime/segment.js';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function parseMode(text: string): Exclude<Mode, 'fperf'> {
  if (text === 'off' || text === 'count' || text === 'trace' || text === 'calls') return text;
  throw new UsageError(`--mode: unknown mode '${text}'`, 'use one of: off, count, trace, calls');
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('start a program with the iprobe runtime preloaded (counts or traces its instrumented functions)')
    .option('--mode <mode>', 'initial mode: off, count (calls and time), trace, or calls (calls only, the cheapest)', 'count')
    .argument('<command...>', 'the program and its arguments (put them after --)')
    .action(async (command: string[], options: { mode: string }) => {
      process.exitCode = await runWithRuntime(command, parseMode(options.mode));
    });
}

/** Runs the program to its end; resolves with the exit code iprobe should have. */
export async function runWithRuntime(command: string[], mode: Mode): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new UsageError('no program given', 'iprobe run -- ./prog args');
  removeStaleSegments();
  const child = spawn(file, args, { stdio: 'inherit', env: preloadEnvironment(process.env, mode) });
  // Ctrl-C and Ctrl-\ on a terminal already reach the program (same process
  // group): forwarding them would deliver them twice, which many servers
  // read as "stop now", so iprobe only survives them. isatty(0), because
  // touching process.stdin would make the fd it shares with the program
  // non-blocking under the program's feet.
  const terminalSignals = new Set<NodeJS.Signals>(isatty(0) ? ['SIGINT', 'SIGQUIT'] : []);
  const forward = (signal: NodeJS.Signals): void => {
    if (!terminalSignals.has(signal)) child.kill(signal);
  };
  child.once('spawn', () => {
    process.stderr.write(`iprobe: pid ${child.pid}, runtime segment ${segmentPath(child.pid!)} (mode ${mode})\n`);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot start ${file}: ${err.code === 'ENOENT' ? 'no such program' : err.message}`)),
    );
    child.once('exit', (c, s) => resolve([c, s]));
  });
  for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  removeStaleSegments(); // the program's own segment if it was killed, and those of its children
  if (signal) {
    // die of the same signal, so that whoever started iprobe sees what the program did
    process.kill(process.pid, signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}
