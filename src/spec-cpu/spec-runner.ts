/**
 * How runcpu/runspec is invoked: in the SPEC tree, after sourcing shrc (which
 * puts $SPEC/bin on PATH and sets up the tools' environment), as the tools'
 * documentation has users do it.
 */
import { spawn } from 'node:child_process';
import type { SpecTree } from './spec-tree.js';

/** A shell word as a human would type it: quoted only when it has to be. */
export function shellWord(word: string): string {
  return /^[\w./+@%,:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function runnerCommandLine(tree: SpecTree, args: readonly string[]): string {
  return `cd ${shellWord(tree.root)} && . ./shrc && ${[tree.runner, ...args].map(shellWord).join(' ')}`;
}

/** Runs the runner with the terminal attached (its progress is the user's to see); resolves to its exit code. */
export function runRunner(tree: SpecTree, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'cd -- "$1" && . ./shrc && shift && exec "$@"', 'iprobe-spec', tree.root, tree.runner, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, SPEC: tree.root },
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
