/**
 * Pairs the objects mapped in a process with their probe lists, refusing a
 * list made for other bytes than the ones the process runs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseElf } from '../elf/elf-file.js';
import { sha256Of } from '../probelist/binary-identity.js';
import { readProbeListFile } from '../probelist/load-probe-list.js';
import { probeListPathFor, type ProbeList } from '../probelist/probe-list.js';
import { UserError } from '../util/user-error.js';
import { loadBias } from './load-bias.js';
import { readablePathsOf, type LoadedObject } from './loaded-objects.js';

export interface ProbedObject {
  object: LoadedObject;
  list: ProbeList;
  listPath: string;
  /** Run-time address = link-time address + bias. */
  bias: number;
}

async function readMappedFile(pid: number, object: LoadedObject): Promise<Buffer> {
  let lastError: unknown;
  for (const path of readablePathsOf(pid, object)) {
    try {
      return await readFile(path);
    } catch (err) {
      lastError = err;
    }
  }
  throw new UserError(`cannot read ${object.path} as mapped in process ${pid}: ${(lastError as Error).message}`);
}

interface Candidate {
  listPath: string;
  list: ProbeList;
  explicit: boolean;
}

/**
 * Probe lists are taken from `explicitLists` (matched to objects by content)
 * and from <object path>.probes.json next to each mapped object.
 */
export async function findProbedObjects(
  pid: number,
  objects: readonly LoadedObject[],
  explicitLists: readonly string[] = [],
): Promise<ProbedObject[]> {
  const explicit: Candidate[] = [];
  for (const listPath of explicitLists) explicit.push({ listPath, list: await readProbeListFile(listPath), explicit: true });
  const used = new Set<Candidate>();
  const probed: ProbedObject[] = [];

  for (const object of objects) {
    const candidates = [...explicit];
    const besideIt = probeListPathFor(object.path);
    for (const path of [`/proc/${pid}/root${besideIt}`, besideIt]) {
      if (existsSync(path)) {
        candidates.push({ listPath: besideIt, list: await readProbeListFile(path), explicit: false });
        break;
      }
    }
    if (candidates.length === 0) continue;
    const bytes = await readMappedFile(pid, object);
    const sha256 = sha256Of(bytes);
    const match = candidates.find((c) => c.list.binary.sha256 === sha256);
    if (!match) {
      const beside = candidates.find((c) => !c.explicit);
      if (beside) {
        throw new UserError(
          `probe list ${beside.listPath} does not match ${object.path} as mapped in process ${pid} (another build, or the file changed after coldpatch)`,
          'coldpatch the binary the process runs, or pass its own probe list with --probes',
        );
      }
      continue;
    }
    const elf = parseElf(bytes);
    const bias = loadBias(elf, object.mappings);
    if (bias === undefined) throw new UserError(`cannot locate the load address of ${object.path} in process ${pid}`);
    used.add(match);
    probed.push({ object, list: match.list, listPath: match.listPath, bias });
  }

  for (const c of explicit) {
    if (!used.has(c)) {
      throw new UserError(
        `probe list ${c.listPath} matches no object mapped in process ${pid} (it is for ${c.list.binary.file}, sha256 ${c.list.binary.sha256.slice(0, 12)}…)`,
        'pass the probe list written for the exact binary the process runs',
      );
    }
  }
  return probed;
}
