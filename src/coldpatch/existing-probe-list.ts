/** The probe list of an input that an earlier coldpatch run produced, if it belongs to these exact bytes. */
import { readFile } from 'node:fs/promises';
import { sha256Of } from '../probelist/binary-identity.js';
import { probeListPathFor, type ProbeList } from '../probelist/probe-list.js';
import { parseProbeList } from '../probelist/probe-list-json.js';

export async function findExistingProbeList(
  input: string,
  bytes: Buffer,
): Promise<{ path: string; list: ProbeList } | undefined> {
  const path = probeListPathFor(input);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const list = parseProbeList(text, path);
  return list.binary.sha256 === sha256Of(bytes) ? { path, list } : undefined;
}
