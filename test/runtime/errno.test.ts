import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { preloadEnvironment } from '../../src/runtime/library.js';
import { fixtureBuildDir, fixtureDir } from './helpers.js';

/**
 * A hook that runs between a failing call and the caller's errno check must
 * give errno back as it found it, in every mode and on every path that does
 * more than count: the hook that starts the runtime (here after an exec, over
 * the old image's segment), a thread's first hook, and a first hook that
 * cannot map its shadow stack.
 */
describe('errno across hooks', () => {
  let exe: string;
  beforeAll(() => {
    const dir = fixtureBuildDir();
    const flags = ['-O2', '-g', '-Wall', '-Wextra', '-finstrument-functions'];
    execFileSync('gcc', [...flags, '-shared', '-fPIC', path.join(fixtureDir, 'errno_lib.c'), '-o', path.join(dir, 'liberrno.so')]);
    exe = path.join(dir, 'errno');
    execFileSync('gcc', [...flags, path.join(fixtureDir, 'errno.c'), '-o', exe, `-L${dir}`, '-lerrno', `-Wl,-rpath,${dir}`, '-pthread']);
  });

  const checks = ['segment-start', 'thread', 'thread-no-memory', 'main'];
  const expected = [...checks, ...checks.map((c) => (c === 'segment-start' ? c : `${c}-after-exec`))].map((c) => `errno ok ${c}`);

  for (const mode of ['count', 'trace', 'calls', 'fperf'] as const) {
    it(`is preserved in ${mode} mode`, () => {
      const run = spawnSync(exe, ['exec'], { env: preloadEnvironment(process.env, mode), encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines.filter((l) => l.startsWith('errno'))).toEqual(expected);
      expect(lines.at(-1)).toBe('finished');
    });
  }
});
