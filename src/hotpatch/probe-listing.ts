/** `iprobe hot <pid> --list`: which functions of a live process have probes, and which are on. */
import { checkTargetProcess, readMemory } from '../process/patch-engine.js';
import { processProbes } from './process-probes.js';
import { findAttachedRuntime } from './runtime-injection.js';
import { DEFAULT_KINDS, selectSites } from './site-selection.js';
import { readSiteStates } from './site-states.js';

export interface FunctionProbes {
  object: string;
  name: string;
  address: number;
  sites: number;
  on: number;
  foreign: number;
}

export interface ProbeListing {
  pid: number;
  runtime: string | null;
  runtimeOrigin: 'preloaded' | 'injected' | null;
  /** GOT slots iprobe pointed at an injected runtime (and will put back on --detach-runtime). */
  redirectedSlots: number;
  /** Of those, the ones that no longer hold the runtime's handler (something rewrote them): their probes count nothing. */
  lostSlots: { address: number; hook: string; object: string; value: string | null }[];
  objects: { path: string; probeList: string; bias: number; sites: number }[];
  functions: FunctionProbes[];
}

export async function listProbes(pid: number, probeLists: readonly string[] = []): Promise<ProbeListing> {
  await checkTargetProcess(pid);
  const { objects, probed } = await processProbes(pid, probeLists);
  const sites = selectSites(probed, { functions: [], all: true, kinds: DEFAULT_KINDS });
  const states = await readSiteStates(pid, sites);
  const byFunction = new Map<string, FunctionProbes>();
  sites.forEach((s, i) => {
    const fn = s.object.list.functions[s.site.function]!;
    const key = `${s.object.object.path}\0${fn.address}`;
    let row = byFunction.get(key);
    if (!row) {
      row = { object: s.object.object.path, name: fn.name, address: fn.address + s.object.bias, sites: 0, on: 0, foreign: 0 };
      byFunction.set(key, row);
    }
    row.sites++;
    if (states[i] === 'on') row.on++;
    if (states[i] === 'foreign') row.foreign++;
  });
  const attached = await findAttachedRuntime(pid, objects);
  const recorded = attached?.record?.slots ?? [];
  const values = await readMemory(pid, recorded.map((s) => ({ address: s.address, length: 8 })));
  const lostSlots = recorded.flatMap((s, i) => {
    const now = values[i] ? Buffer.from(values[i]!).readBigUInt64LE(0) : undefined;
    return now === s.replacement ? [] : [{ address: s.address, hook: s.hook, object: s.object, value: now === undefined ? null : `0x${now.toString(16)}` }];
  });
  return {
    pid,
    runtime: attached?.runtime.object.path ?? null,
    runtimeOrigin: attached?.origin ?? null,
    redirectedSlots: recorded.length,
    lostSlots,
    objects: probed.map((p) => ({ path: p.object.path, probeList: p.listPath, bias: p.bias, sites: p.list.sites.length })),
    functions: [...byFunction.values()].sort((a, b) => a.address - b.address),
  };
}
