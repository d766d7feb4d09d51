import fs from 'node:fs/promises';

/**
 * Moves a fully prepared directory to its final name in one rename(2), so a
 * reader sees either nothing or the complete tree. If another process got
 * there first, ours is thrown away and theirs is kept. Both paths must be on
 * the same file system (we always prepare next to the final name).
 */
export async function installDirectory(preparedDir: string, finalDir: string): Promise<'installed' | 'already-present'> {
  try {
    await fs.rename(preparedDir, finalDir);
    return 'installed';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await fs.rm(preparedDir, { recursive: true, force: true });
    return 'already-present';
  }
}
