/**
 * What iprobe has learnt about a file's identity (build-id, digests), kept
 * so that the next `iprobe hot` on the same file reads none of it: in memory
 * for this process, and one small JSON file per inode under
 * <state dir>/identity/ (/run/iprobe/identity for root; see
 * injection-record.ts for the state directory).
 *
 * An entry is keyed by device, inode, size, mtime and ctime in nanoseconds.
 * Changing a file's bytes changes its ctime, which no unprivileged call can
 * set back. One gap remains, the one git calls "racily clean": the kernel's
 * file times advance once per clock tick, so a file rewritten within the
 * tick in which it was stat'ed and digested keeps its key. Entries are
 * therefore only written for files whose mtime and ctime are more than
 * RACY_SECONDS old; a fresher file is digested again each time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { stateDirectory } from './injection-record.js';

export interface CachedIdentity {
  buildId: string | null;
  loadSha256?: string;
  sha256?: string;
}

const RACY_SECONDS = 2n;
const NS_PER_SECOND = 1_000_000_000n;

const inMemory = new Map<string, CachedIdentity>();

function keyOf(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function entryPath(stat: BigIntStats): string {
  return path.join(identityCacheDirectory(), `${stat.dev}-${stat.ino}.json`);
}

export function identityCacheDirectory(): string {
  return path.join(stateDirectory(), 'identity');
}

export function cachedIdentity(stat: BigIntStats): CachedIdentity | undefined {
  const key = keyOf(stat);
  const remembered = inMemory.get(key);
  if (remembered) return remembered;
  try {
    const entry = JSON.parse(readFileSync(entryPath(stat), 'utf8')) as { key?: unknown } & CachedIdentity;
    if (entry.key !== key || (entry.buildId !== null && typeof entry.buildId !== 'string')) return undefined;
    const found: CachedIdentity = {
      buildId: entry.buildId,
      ...(typeof entry.loadSha256 === 'string' ? { loadSha256: entry.loadSha256 } : {}),
      ...(typeof entry.sha256 === 'string' ? { sha256: entry.sha256 } : {}),
    };
    inMemory.set(key, found);
    return found;
  } catch {
    return undefined;
  }
}

/** Remembers `identity`; written to disk when the file is old enough (best effort: a cache). */
export function rememberIdentity(stat: BigIntStats, identity: CachedIdentity): void {
  const key = keyOf(stat);
  inMemory.set(key, identity);
  const now = BigInt(Date.now()) * 1_000_000n;
  const newest = stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs;
  if (now - newest <= RACY_SECONDS * NS_PER_SECOND) return;
  const file = entryPath(stat);
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ key, ...identity })}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A read-only or full state directory only costs the next call a digest.
  }
}
