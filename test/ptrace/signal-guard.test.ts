/**
 * The signal guard around ptrace operations (src/process/signal-guard.ts):
 * SIGINT/SIGTERM/SIGHUP during an operation are held until it settles, then
 * act; none is ever lost. A lost SIGTERM left a tool switching probes
 * forever (seen in CI under load: tool-killed.test.ts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './target.js';

beforeAll(() => ensureBuilt());

function run(mode: string, signal: string): { signal: NodeJS.Signals | null; stdout: string } {
  const child = spawnSync(process.execPath, [path.join(repoRoot, 'test/ptrace/signal-guard-tool.mjs'), mode, signal], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { signal: child.signal, stdout: child.stdout };
}

describe('the signal guard', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    it(`${signal} in an operation's last tick: the operation completes, then the tool dies of it`, () => {
      const { signal: died, stdout } = run('settling', signal);
      expect(stdout).toContain('op 0 done');
      expect(stdout).not.toContain('survived');
      expect(died).toBe(signal);
    });
  }

  it('a signal between operations acts as soon as the event loop turns', () => {
    const { signal: died, stdout } = run('between', 'SIGTERM');
    expect(stdout).toContain('op 1 done');
    expect(stdout).not.toContain('survived');
    expect(died).toBe('SIGTERM');
  });

  it('an application that listens for the signal keeps it', () => {
    const { signal: died, stdout } = run('listened', 'SIGTERM');
    expect(died).toBeNull();
    expect(stdout).toContain('app saw SIGTERM');
    expect(stdout).toContain('survived');
  });
});
