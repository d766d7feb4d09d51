import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs `fn` in the caller's work directory, or in a fresh temporary one that is removed afterwards. */
export async function withWorkDir<T>(given: string | undefined, prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  if (given) {
    await fs.mkdir(given, { recursive: true });
    return fn(given);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `iprobe-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
