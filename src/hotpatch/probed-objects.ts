/**
 * Pairs the objects mapped in a process with their probe lists, refusing a
 * list made for other bytes than the ones the process runs
 * (probelist/binary-identity.ts has the rule). Objects without a list cost
 * a path lookup; with --probes, a non-ELF object costs one small read, and
 * another build's object its headers: only an object with the list's
 * build-id and size is digested, and that digest is cached.
 */
import { existsSync } from 'node:fs';
import { describeMismatch, identityMismatch, type IdentityMismatch } from '../probelist/identity-match.js';
import { readProbeListFile } from '../probelist/read-probe-list.js';
import { probeListPathFor, type ProbeList } from '../probelist/probe-list.js';
import { UserError } from '../util/user-error.js';
import { loadBias } from './load-bias.js';
import type { LoadedObject } from './loaded-objects.js';
import { withObservedObject } from './object-identity.js';

export interface ProbedObject {
  object: LoadedObject;
  list: ProbeList;
  listPath: string;
  /** Run-time address = link-time address + bias. */
  bias: number;
}

interface Candidate {
  listPath: string;
  list: ProbeList;
  explicit: boolean;
}

type Pairing = { match: Candidate; bias: number | undefined } | { mismatch: IdentityMismatch; reason: string } | undefined;

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
    // Probe sites are code: an object with nothing mapped executable (a data
    // file, the runtime's shared memory) is no explicit list's object.
    const candidates = object.mappings.some((m) => m.executable) ? [...explicit] : [];
    const besideIt = probeListPathFor(object.path);
    let beside: Candidate | undefined;
    for (const path of [`/proc/${pid}/root${besideIt}`, besideIt]) {
      if (existsSync(path)) {
        beside = { listPath: besideIt, list: await readProbeListFile(path), explicit: false };
        candidates.push(beside);
        break;
      }
    }
    if (candidates.length === 0) continue;
    const pairing: Pairing = withObservedObject(pid, object, (observed, segments) => {
      for (const c of candidates) {
        if (identityMismatch(c.list.binary, observed) === undefined) return { match: c, bias: loadBias(segments, object.mappings) };
      }
      if (!beside) return undefined;
      const mismatch = identityMismatch(beside.list.binary, observed)!;
      return { mismatch, reason: describeMismatch(beside.list.binary, observed, mismatch) };
    });
    if (pairing === undefined) {
      if (beside) throw new UserError(`cannot read ${object.path} as mapped in process ${pid} to check it against ${beside.listPath}`);
      continue;
    }
    if ('reason' in pairing) {
      throw new UserError(
        `probe list ${beside!.listPath} does not match ${object.path} as mapped in process ${pid}: ${pairing.reason}`,
        'coldpatch the binary the process runs, or pass its own probe list with --probes',
      );
    }
    if (pairing.bias === undefined) throw new UserError(`cannot locate the load address of ${object.path} in process ${pid}`);
    used.add(pairing.match);
    probed.push({ object, list: pairing.match.list, listPath: pairing.match.listPath, bias: pairing.bias });
  }

  for (const c of explicit) {
    if (!used.has(c)) {
      throw new UserError(
        `probe list ${c.listPath} matches no object mapped in process ${pid} (it is for ${c.list.binary.file}, build-id ${c.list.binary.buildId ?? 'none'}, ${c.list.binary.size} bytes)`,
        'pass the probe list written for the exact binary the process runs',
      );
    }
  }
  return probed;
}
