import os from 'node:os';
import path from 'node:path';

/**
 * Where fetched sources and built programs live: outside the repository, shared
 * by every worktree and test run of this machine. `$IPROBE_CACHE_DIR` replaces
 * the whole root (`~/.cache/iprobe`), so CI or a test can point it elsewhere.
 */
export function cacheRoot(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.IPROBE_CACHE_DIR) return path.resolve(process.env.IPROBE_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'iprobe');
}

/** Unpacked Debian source trees: `<root>/debian-src/<pkg>-<version>`. */
export function sourceCacheDir(root: string): string {
  return path.join(root, 'debian-src');
}

/** Built variants: `<root>/programs/<program>-<version>/<variant>-<hash>`. */
export function buildCacheDir(root: string): string {
  return path.join(root, 'programs');
}
