/** Finds and loads the probe list of a binary, checking it belongs to those exact bytes. */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../util/fs-errors.js';
import { UserError } from '../util/user-error.js';
import { observeBytes } from './binary-identity.js';
import { describeMismatch, identityMismatch } from './identity-match.js';
import { readProbeListFile } from './read-probe-list.js';
import { probeListPathFor, type ProbeList } from './probe-list.js';

/** Refuses a probe list made for other bytes than `binary` (another build, or a modified file). */
export function checkProbeListMatches(list: ProbeList, binary: Buffer, binaryPath: string, listPath: string): void {
  const observed = observeBytes(binary);
  const mismatch = identityMismatch(list.binary, observed);
  if (mismatch === undefined) return;
  throw new UserError(
    `probe list ${listPath} does not belong to ${binaryPath}: ${describeMismatch(list.binary, observed, mismatch)}`,
    'coldpatch this exact binary again, or pass the probe list written with it (--probes)',
  );
}

export interface LoadedProbeList {
  list: ProbeList;
  listPath: string;
  binaryPath?: string;
}

/** `target` is a probe list (*.probes.json) or a binary with its list next to it. */
export async function loadProbeListFor(target: string, explicitList?: string): Promise<LoadedProbeList> {
  if (!explicitList && target.endsWith('.probes.json')) {
    return { list: await readProbeListFile(target), listPath: target };
  }
  const listPath = explicitList ?? probeListPathFor(target);
  let binary: Buffer;
  try {
    binary = await readFile(target);
  } catch (err) {
    throw describeFsError(err, `cannot read ${target}`);
  }
  let list: ProbeList;
  try {
    list = await readProbeListFile(listPath);
  } catch (err) {
    if (!explicitList && (err as UserError).message.includes('no such file')) {
      throw new UserError(`${target} has no probe list (${listPath} not found)`, `coldpatch it first: iprobe coldpatch ${target}`);
    }
    throw err;
  }
  checkProbeListMatches(list, binary, target, listPath);
  return { list, listPath, binaryPath: target };
}
