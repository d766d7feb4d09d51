import fs from 'node:fs/promises';

export interface LockOptions {
  /** Called once if the lock is held by another live process and we start waiting. */
  onWait?: (holderPid: number) => void;
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding
 * our pid). A lock whose holder is dead is broken. The lock only saves
 * duplicate work (two test files asking for the same build at once):
 * correctness rests on results being installed by an atomic rename, so the
 * small window in which two waiters could both break a stale lock is harmless.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 30 * 60_000, pollMs = 200 } = options;
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await lockHolder(lockPath);
    if (holder !== undefined && !isAlive(holder)) {
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${lockPath} (held by pid ${holder ?? '?'})`);
    }
    if (!announced && holder !== undefined && holder !== process.pid) {
      announced = true;
      options.onWait?.(holder);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

async function lockHolder(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Gone in between, or created but not yet written: look again next round.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
