/** /proc/PID/maps as typed entries. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/user-error.js';

export interface MapsEntry {
  start: number;
  end: number;
  /** e.g. "r-xp" */
  perms: string;
  readable: boolean;
  writable: boolean;
  executable: boolean;
  /** 'p' private (copy-on-write) or 's' shared */
  shared: boolean;
  /** Offset of `start` in the mapped file. */
  offset: number;
  device: string;
  inode: number;
  /** File path, pseudo-name such as "[stack]", or "" for anonymous memory. */
  path: string;
  /** The kernel appends " (deleted)" to files replaced or removed since they were mapped. */
  deleted: boolean;
}

const DELETED_SUFFIX = ' (deleted)';

// start-end perms offset dev inode [path]; the path may contain spaces.
const LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$/;

export function parseMaps(text: string): MapsEntry[] {
  const entries: MapsEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unexpected /proc/PID/maps line: ${JSON.stringify(line)}`);
    const perms = m[3]!;
    let path = m[7]!;
    const deleted = path.endsWith(DELETED_SUFFIX);
    if (deleted) path = path.slice(0, -DELETED_SUFFIX.length);
    entries.push({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      perms,
      readable: perms[0] === 'r',
      writable: perms[1] === 'w',
      executable: perms[2] === 'x',
      shared: perms[3] === 's',
      offset: parseInt(m[4]!, 16),
      device: m[5]!,
      inode: Number(m[6]),
      path,
      deleted,
    });
  }
  return entries;
}

export async function readMaps(pid: number): Promise<MapsEntry[]> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/maps`, 'utf8');
  } catch (err) {
    // The target's problem, not ours: one line, exit 1. Root is refused too
    // for a process outside its user namespace (a container's pid 1).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') throw new UserError(`no process ${pid}`);
    if (code === 'EACCES' || code === 'EPERM') {
      const hint = process.getuid?.() === 0 ? 'it may belong to another user namespace' : 'run iprobe as root, or as the user the process runs as';
      throw new UserError(`cannot read the mappings of process ${pid}: permission denied`, hint);
    }
    throw err;
  }
  return parseMaps(text);
}

/** The mapping that contains `address`, if any (entries sorted by start, as the kernel lists them). */
export function mappingAt(entries: readonly MapsEntry[], address: number): MapsEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = entries[mid]!;
    if (address < e.start) hi = mid - 1;
    else if (address >= e.end) lo = mid + 1;
    else return e;
  }
  return undefined;
}
