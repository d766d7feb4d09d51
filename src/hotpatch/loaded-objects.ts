/** The ELF objects a process has mapped, as files with their mappings. */
import type { MapsEntry } from '../process/maps.js';

export interface LoadedObject {
  /** Path as the kernel reports it (may no longer exist on disk). */
  path: string;
  device: string;
  inode: number;
  /** Replaced or removed on disk since it was mapped. */
  deleted: boolean;
  /** This object's mappings, lowest address first. */
  mappings: MapsEntry[];
}

export function loadedObjects(maps: readonly MapsEntry[]): LoadedObject[] {
  const byFile = new Map<string, LoadedObject>();
  for (const m of maps) {
    if (!m.path.startsWith('/') || m.inode === 0) continue;
    const key = `${m.device}:${m.inode}:${m.path}`;
    let object = byFile.get(key);
    if (!object) {
      object = { path: m.path, device: m.device, inode: m.inode, deleted: m.deleted, mappings: [] };
      byFile.set(key, object);
    }
    object.mappings.push(m);
  }
  for (const o of byFile.values()) o.mappings.sort((a, b) => a.start - b.start);
  return [...byFile.values()];
}

/**
 * A path through which this process's copy of the object can be read: the
 * exact mapped inode via map_files (even if the file was replaced on disk),
 * else the path inside the process's root (containers), else the path.
 */
export function readablePathsOf(pid: number, object: LoadedObject): string[] {
  const first = object.mappings[0]!;
  return [
    `/proc/${pid}/map_files/${first.start.toString(16)}-${first.end.toString(16)}`,
    `/proc/${pid}/root${object.path}`,
    object.path,
  ];
}
