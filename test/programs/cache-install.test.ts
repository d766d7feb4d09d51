import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installDirectory } from '../../src/bench/programs/atomic-install.js';
import { withFileLock } from '../../src/bench/programs/file-lock.js';

describe('cache locking and installation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'iprobe-cache-test-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs holders of the same lock one after the other', async () => {
    const lock = path.join(dir, 'x.lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withFileLock(
        lock,
        async () => {
          events.push(`${name} in`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          events.push(`${name} out`);
        },
        { pollMs: 10 },
      );
    await Promise.all([holder('a'), holder('b'), holder('c')]);
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
    await expect(fs.access(lock)).rejects.toThrow();
  });

  it('releases the lock when the holder throws', async () => {
    const lock = path.join(dir, 'y.lock');
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withFileLock(lock, async () => 'next')).resolves.toBe('next');
  });

  it('breaks a lock left by a dead process', async () => {
    const lock = path.join(dir, 'z.lock');
    const dead = spawnSync('true').pid!;
    await fs.writeFile(lock, `${dead}\n`);
    let waited = false;
    await expect(withFileLock(lock, async () => 'got it', { onWait: () => (waited = true), timeoutMs: 5_000 })).resolves.toBe('got it');
    expect(waited).toBe(false);
  });

  it('waits for a live holder, then times out with its pid', async () => {
    const lock = path.join(dir, 'w.lock');
    await fs.writeFile(lock, '1\n');
    let holder = 0;
    await expect(withFileLock(lock, async () => 'never', { timeoutMs: 300, pollMs: 20, onWait: (pid) => (holder = pid) })).rejects.toThrow(
      /held by pid 1/,
    );
    expect(holder).toBe(1);
  });

  it('installs a prepared directory once; a second one is dropped', async () => {
    const final = path.join(dir, 'final');
    for (const name of ['first', 'second']) {
      await fs.mkdir(path.join(dir, name));
      await fs.writeFile(path.join(dir, name, 'who'), name);
    }
    expect(await installDirectory(path.join(dir, 'first'), final)).toBe('installed');
    expect(await installDirectory(path.join(dir, 'second'), final)).toBe('already-present');
    expect(await fs.readFile(path.join(final, 'who'), 'utf8')).toBe('first');
    await expect(fs.access(path.join(dir, 'second'))).rejects.toThrow();
  });
});
