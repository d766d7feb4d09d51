/** The probe lists of a running process's objects, found through /proc/PID/maps. */
import { readMaps } from '../process/maps.js';
import { UserError } from '../util/user-error.js';
import { loadedObjects, type LoadedObject } from './loaded-objects.js';
import { findProbedObjects, type ProbedObject } from './probed-objects.js';

export interface ProcessProbes {
  objects: LoadedObject[];
  probed: ProbedObject[];
}

export async function processProbes(pid: number, probeLists: readonly string[] = []): Promise<ProcessProbes> {
  const objects = loadedObjects(await readMaps(pid));
  const probed = await findProbedObjects(pid, objects, probeLists);
  if (probed.length === 0) {
    const main = objects[0]?.path ?? 'its executable';
    throw new UserError(
      `process ${pid} maps no coldpatched object with a probe list (none of its ${objects.length} files has one next to it, e.g. ${main}.probes.json)`,
      'run a binary made by iprobe coldpatch, or pass its probe list with --probes',
    );
  }
  return { objects, probed };
}
