/** Finds the iprobe runtime library among a process's objects, and its handlers' run-time addresses. */
import { isDefinedFunction } from '../elf/symbol-table.js';
import { loadBias } from './load-bias.js';
import type { LoadedObject } from './loaded-objects.js';
import { withObjectElf } from './object-elf.js';

export const RUNTIME_HANDLERS = ['__cyg_profile_func_enter', '__cyg_profile_func_exit', '__iprobe_point_hit'] as const;
export type RuntimeHandler = (typeof RUNTIME_HANDLERS)[number];

export interface RuntimeInProcess {
  object: LoadedObject;
  handlers: Record<RuntimeHandler, number>;
}

/** The object that defines every runtime handler; objects named like the runtime are tried first. */
export async function findRuntimeInProcess(pid: number, objects: readonly LoadedObject[]): Promise<RuntimeInProcess | undefined> {
  // Only objects with executable code can hold the handlers (this skips the
  // runtime's own shared-memory segment, which is large and mapped rw).
  const ordered = objects
    .filter((o) => o.mappings.some((m) => m.executable))
    .sort((a, b) => Number(/iprobe/.test(b.path)) - Number(/iprobe/.test(a.path)));
  for (const object of ordered) {
    const found = await handlersOf(pid, object);
    if (found) return found;
  }
  return undefined;
}

async function handlersOf(pid: number, object: LoadedObject): Promise<RuntimeInProcess | undefined> {
  return withObjectElf(pid, object, (elf) => {
    const defined = new Map(elf.dynamicSymbols().filter(isDefinedFunction).map((s) => [s.name, s.value]));
    if (!RUNTIME_HANDLERS.every((h) => defined.has(h))) return undefined;
    const bias = loadBias(elf.segments, object.mappings);
    if (bias === undefined) return undefined;
    const handlers = Object.fromEntries(RUNTIME_HANDLERS.map((h) => [h, defined.get(h)! + bias])) as Record<RuntimeHandler, number>;
    return { object, handlers };
  });
}
