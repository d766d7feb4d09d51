/** Names for run-time addresses of a process, from the probe lists of its objects. */
import type { NameResolver } from '../runtime/symbols.js';
import type { ProbedObject } from './probed-objects.js';

/**
 * Function addresses resolve to their names, IPROBE_POINT sites to the
 * point's name; a library's functions get the library's name as a prefix
 * when several objects are probed, so that equal names stay apart.
 */
export function probeListResolver(objects: readonly ProbedObject[]): NameResolver {
  const names = new Map<number, string>();
  const qualify = objects.length > 1;
  for (const o of objects) {
    const prefix = qualify && o.list.binary.elfType === 'dyn' && !o.list.binary.pie ? `${o.list.binary.file}!` : '';
    for (const f of o.list.functions) names.set(f.address + o.bias, `${prefix}${f.name}`);
    for (const s of o.list.sites) if (s.kind === 'point' && s.name) names.set(s.address + o.bias, `${prefix}${s.name}`);
  }
  return (address) => names.get(address);
}
