/**
 * `iprobe hot`: switch chosen probes of a live process on or off in one
 * stop of all its threads. Every byte written is first read and compared
 * (here, and again by the engine while the threads are stopped).
 */
import { checkTargetProcess, patchSites, readMemory, type PatchResult, type SiteChange } from '../process/patch-engine.js';
import { UserError } from '../util/user-error.js';
import { planRedirection, planRestore, type SlotPlan } from './got-redirection.js';
import { processProbes } from './process-probes.js';
import type { ProbedObject } from './probed-objects.js';
import { attachRuntime, findAttachedRuntime, type AttachedRuntime } from './runtime-injection.js';
import type { RuntimeInProcess } from './runtime-in-process.js';
import { DEFAULT_KINDS, selectSites, type SelectedSite, type SiteSelection } from './site-selection.js';
import { readSiteStates } from './site-states.js';

export interface SwitchRequest {
  pid: number;
  on: boolean;
  selection: SiteSelection;
  probeLists?: readonly string[];
  /** With `on: false`: also put back the GOT slots an injected runtime was given. */
  detachRuntime?: boolean;
}

export interface SwitchOutcome {
  pid: number;
  on: boolean;
  /** Sites written in this operation. */
  changed: number;
  /** Selected sites that were already in the requested state. */
  unchanged: number;
  functions: string[];
  objects: string[];
  runtime: 'preloaded' | 'injected' | 'absent';
  /** Set when this operation injected the runtime. */
  injection?: AttachedRuntime['injection'];
  /** Hook slots written: pointed at the runtime, or (detach) put back. */
  slots: number;
  patch?: PatchResult;
}

export async function switchProbes(request: SwitchRequest): Promise<SwitchOutcome> {
  const { pid, on } = request;
  await checkTargetProcess(pid);
  const { objects, probed } = await processProbes(pid, request.probeLists);
  const sites = selectSites(probed, request.selection);
  if (sites.length === 0) {
    throw new UserError(
      request.selection.all
        ? `no switchable probes in process ${pid}`
        : `no probes match ${request.selection.functions.join(' ')} in process ${pid}`,
      `list them with: iprobe hot ${pid} --list`,
    );
  }
  const states = await readSiteStates(pid, sites);
  const foreign = sites.filter((_, i) => states[i] === 'foreign');
  if (foreign.length > 0) {
    throw new UserError(
      `${foreign.length} probe site(s) of process ${pid} hold bytes that are neither the probe on nor off (first at 0x${foreign[0]!.address.toString(16)} in ${foreign[0]!.functionName}); nothing was changed`,
      'another tool (a debugger breakpoint?) has modified that code',
    );
  }
  const wanted = on ? 'on' : 'off';
  const toChange = sites.filter((_, i) => states[i] !== wanted);
  const attached = on && toChange.length > 0 ? await attachRuntime(pid, objects) : await findAttachedRuntime(pid, objects);
  const changes: SiteChange[] = toChange.map((s) => ({
    address: s.address,
    expected: on ? s.site.placeholder : s.site.enable!,
    replacement: on ? s.site.enable! : s.site.placeholder,
  }));
  let slots: SlotPlan | undefined;
  if (on && attached?.origin === 'injected') {
    slots = await planRedirection(pid, [...new Set(sites.map((s) => s.object))], attached);
  } else if (on && attached) {
    changes.push(...(await pointSlotChanges(pid, probed, toChange, attached.runtime)));
  } else if (!on && request.detachRuntime && attached) {
    if (attached.origin === 'preloaded') {
      throw new UserError(`the runtime of process ${pid} was preloaded (LD_PRELOAD), not injected: there is nothing to detach`);
    }
    await requireAllOffAfter(pid, probed, toChange);
    slots = await planRestore(pid, attached);
  }
  changes.push(...(slots?.changes ?? []));

  slots?.begin();
  let patch: PatchResult | undefined;
  try {
    patch = changes.length > 0 ? await patchSites(pid, changes) : undefined;
  } finally {
    slots?.finish(patch !== undefined || changes.length === 0);
  }
  return {
    pid,
    on,
    changed: toChange.length,
    unchanged: sites.length - toChange.length,
    functions: [...new Set(sites.map((s) => s.functionName))],
    objects: [...new Set(sites.map((s) => s.object.object.path))],
    runtime: attached?.origin ?? 'absent',
    injection: attached?.injection,
    slots: slots?.changes.length ?? 0,
    patch,
  };
}

/** Detaching with probes still on would leave them reaching glibc's stubs while iprobe lists them as on. */
async function requireAllOffAfter(pid: number, probed: readonly ProbedObject[], goingOff: readonly SelectedSite[]): Promise<void> {
  const all = selectSites(probed, { functions: [], all: true, kinds: DEFAULT_KINDS });
  const states = await readSiteStates(pid, all);
  const leaving = new Set(goingOff.map((s) => s.address));
  const stillOn = all.filter((s, i) => states[i] === 'on' && !leaving.has(s.address));
  if (stillOn.length > 0) {
    const names = [...new Set(stillOn.map((s) => s.functionName))];
    throw new UserError(
      `${stillOn.length} probe(s) of process ${pid} would stay on (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): the runtime cannot be detached under them; nothing was changed`,
      `switch them all off with: iprobe hot ${pid} --all --off --detach-runtime`,
    );
  }
}

/**
 * IPROBE_POINT stubs call through a per-object slot that holds a `ret`
 * until the runtime's handler is stored there; store it (compare-and-swap,
 * in the same stop as the sites) for each object whose points go on.
 */
async function pointSlotChanges(
  pid: number,
  probed: readonly ProbedObject[],
  sites: readonly SelectedSite[],
  runtime: RuntimeInProcess,
): Promise<SiteChange[]> {
  const changes: SiteChange[] = [];
  for (const object of probed) {
    const slot = object.list.hooks.point;
    if (!slot || !sites.some((s) => s.object === object && s.site.kind === 'point')) continue;
    const address = slot.slot + object.bias;
    const [current] = await readMemory(pid, [{ address, length: 8 }]);
    const handler = u64(runtime.handlers.__iprobe_point_hit);
    if (current && Buffer.from(current).equals(handler)) continue;
    changes.push({ address, expected: u64(slot.slotDefault + object.bias), replacement: handler });
  }
  return changes;
}

function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}
