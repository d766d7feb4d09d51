/**
 * Atomic file output: the content is produced in a temporary file in the
 * target's directory, flushed, then renamed over the target, so a reader (or
 * a crash, or Ctrl-C) sees either the old file or the complete new one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

const pendingTemporaries = new Set<string>();
process.on('exit', () => {
  for (const file of pendingTemporaries) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
});

export interface StagedFile {
  /** Where the content is being produced. */
  readonly temporaryPath: string;
  readonly targetPath: string;
  /** Makes the content durable and moves it into place. */
  commit(): Promise<void>;
  /** Removes the temporary file (safe after commit). */
  discard(): Promise<void>;
}

export function temporaryPathFor(targetPath: string): string {
  const dir = path.dirname(targetPath);
  return path.join(dir, `.${path.basename(targetPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Stages `targetPath`: the producer writes temporaryPath, then commit() renames it into place. */
export async function stageFile(
  targetPath: string,
  mode: number,
  produce: (temporaryPath: string) => Promise<void>,
): Promise<StagedFile> {
  const temporaryPath = temporaryPathFor(targetPath);
  pendingTemporaries.add(temporaryPath);
  const discard = async () => {
    pendingTemporaries.delete(temporaryPath);
    await unlink(temporaryPath).catch(() => undefined);
  };
  try {
    await produce(temporaryPath);
    await chmod(temporaryPath, mode);
    const handle = await open(temporaryPath, 'r+');
    await handle.sync();
    await handle.close();
  } catch (err) {
    await discard();
    throw err;
  }
  return {
    temporaryPath,
    targetPath,
    commit: async () => {
      await rename(temporaryPath, targetPath);
      pendingTemporaries.delete(temporaryPath);
    },
    discard: async () => {
      if (existsSync(temporaryPath)) await discard();
    },
  };
}
