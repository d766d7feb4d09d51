import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import { fetchSource } from '../../src/bench/programs/fetch-source.js';
import { plainVariant } from '../../src/bench/programs/variant.js';

// Two test files (or a test and a benchmark) may ask for the same source or
// build at the same moment: one does the work, the other waits and reuses it.
describe('concurrent callers of an empty cache', () => {
  let cacheDir: string;
  const lines: string[] = [];
  const progress = (line: string) => lines.push(line);

  beforeAll(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'iprobe-cache-'));
  });
  afterAll(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('fetch the source once and both get the same tree', async () => {
    const [a, b] = await Promise.all([fetchSource('bzip2', { cacheDir, progress }), fetchSource('bzip2', { cacheDir, progress })]);
    expect(a).toEqual(b);
    expect(a.dir).toBe(path.join(cacheDir, 'debian-src', `bzip2-${a.version}`));
    expect(lines.filter((l) => l.startsWith('fetching'))).toHaveLength(1);
    // Nothing half-made is left beside the tree.
    expect(await fs.readdir(path.join(cacheDir, 'debian-src'))).toEqual([`bzip2-${a.version}`]);
  });

  it('build once and both get the same binary', async () => {
    const [a, b] = await Promise.all([
      buildProgram('bzip2', plainVariant, { cacheDir, progress }),
      buildProgram('bzip2', plainVariant, { cacheDir, progress }),
    ]);
    expect(a.main).toBe(b.main);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    expect(lines.filter((l) => l.startsWith('building'))).toHaveLength(1);
    const parent = path.dirname(a.dir);
    expect(await fs.readdir(parent)).toEqual([path.basename(a.dir)]);
    expect((await fs.readdir(a.dir)).sort()).toEqual(['build.json', 'build.log', 'bzip2']);
  });
});
