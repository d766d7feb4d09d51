/** Reads a probe list file (without checking which binary it belongs to: see load-probe-list.ts and hotpatch/probed-objects.ts). */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../util/fs-errors.js';
import type { ProbeList } from './probe-list.js';
import { parseProbeList } from './probe-list-json.js';

export async function readProbeListFile(path: string): Promise<ProbeList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw describeFsError(err, `cannot read probe list ${path}`);
  }
  return parseProbeList(text, path);
}
