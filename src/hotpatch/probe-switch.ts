/**
 * `iprobe hot`: switch chosen probes of a live process on or off in one
 * stop of all its threads. Every byte written is first read and compared
 * (here, and again by the engine while the threads are stopped). A process
 * started without the runtime gets it injected before its first probe goes
 * on (runtime-injection.ts), and its objects' hook slots are pointed at it
 * in the same stop as the sites (got-redirection.ts).
 */
import { checkTargetProcess, patchSites, readMemory, type PatchResult, type SiteChange } from '../process/patch-engine.js';
import { UserError } from '../util/user-error.js';
import { planRedirection, planRestore, type SlotPlan } from './got-redirection.js';
import { processProbes } from './process-probes.js';
import type { LoadedObject } from './loaded-objects.js';
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
  /** The sites this operation wrote (left out of --json). */
  changedSites: readonly SelectedSite[];
}

export async function switchProbes(request: SwitchRequest): Promise<SwitchOutcome> {
  const session = await ProbeSwitcher.open(request.pid, request.probeLists);
  return session.switch(request.on, request.selection, { detachRuntime: request.detachRuntime });
}

/**
 * What switching needs to know about a process, found once (objects, probe
 * lists, load biases, runtime): a controller that switches the same process
 * many times (trace, fperf, tests) pays for it once. The bytes of every
 * site are still read and compared on every switch.
 */
export class ProbeSwitcher {
  private constructor(
    readonly pid: number,
    readonly probed: readonly ProbedObject[],
    private readonly objects: LoadedObject[],
  ) {}

  static async open(pid: number, probeLists?: readonly string[]): Promise<ProbeSwitcher> {
    await checkTargetProcess(pid);
    const { objects, probed } = await processProbes(pid, probeLists);
    return new ProbeSwitcher(pid, probed, objects);
  }

  private attached: AttachedRuntime | undefined;

  /** The runtime in the process (found once; looked for again while absent). */
  async findRuntime(): Promise<RuntimeInProcess | undefined> {
    return (await this.findAttached())?.runtime;
  }

  /** The runtime and how it got there (preloaded, injected), or undefined. */
  async findAttached(): Promise<AttachedRuntime | undefined> {
    this.attached ??= await findAttachedRuntime(this.pid, this.objects);
    return this.attached;
  }

  /** The runtime, injected now if the process has none. */
  async attachRuntime(): Promise<AttachedRuntime> {
    this.attached ??= await attachRuntime(this.pid, this.objects);
    return this.attached;
  }

  async switch(on: boolean, selection: SiteSelection, options: { detachRuntime?: boolean } = {}): Promise<SwitchOutcome> {
    const sites = selectSites(this.probed, selection);
    if (sites.length === 0) {
      throw new UserError(
        selection.all
          ? `no switchable probes in process ${this.pid}`
          : `no probes match ${selection.functions.join(' ')} in process ${this.pid}`,
        `list them with: iprobe hot ${this.pid} --list`,
      );
    }
    return this.switchSites(on, sites, options);
  }

  /** Switches exactly these sites (e.g. back off, the ones an earlier switch turned on). */
  async switchSites(on: boolean, sites: readonly SelectedSite[], options: { detachRuntime?: boolean } = {}): Promise<SwitchOutcome> {
    const pid = this.pid;
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
    const injectedBefore = this.attached?.injection;
    const attached = on && toChange.length > 0 ? await this.attachRuntime() : await this.findAttached();
    const siteChanges: SiteChange[] = toChange.map((s) => ({
      address: s.address,
      expected: on ? s.site.placeholder : s.site.enable!,
      replacement: on ? s.site.enable! : s.site.placeholder,
    }));
    const detaching = !on && options.detachRuntime === true && attached !== undefined;
    if (detaching) {
      if (attached.origin === 'preloaded') {
        throw new UserError(`the runtime of process ${pid} was preloaded (LD_PRELOAD), not injected: there is nothing to detach`);
      }
      await requireAllOffAfter(pid, this.probed, toChange);
    }
    const pointChanges = on && attached && attached.origin !== 'injected' ? await pointSlotChanges(pid, this.probed, toChange, attached.runtime) : [];
    const planSlots = async (): Promise<SlotPlan | undefined> => {
      if (on && attached?.origin === 'injected') return planRedirection(pid, [...new Set(sites.map((s) => s.object))], attached);
      if (detaching) return planRestore(pid, attached);
      return undefined;
    };

    let slots: SlotPlan | undefined;
    let patch: PatchResult | undefined;
    for (let attempt = 1; ; attempt++) {
      slots = await planSlots();
      const changes = [...siteChanges, ...pointChanges, ...(slots?.changes ?? [])];
      slots?.begin();
      try {
        patch = changes.length > 0 ? await patchSites(pid, changes) : undefined;
        slots?.finish(true);
        break;
      } catch (err) {
        slots?.finish(false);
        // Slots are read before the stop. A thread that was inside a hook's lazy
        // PLT stub when an earlier detach put the stub's address back resolves
        // the slot (to glibc's hook) when it runs on, possibly after that read:
        // nothing was written, so read them again and retry.
        if (attempt < SLOT_PLAN_ATTEMPTS && slots && (await slotsMoved(pid, slots.changes))) continue;
        throw err;
      }
    }
    return {
      pid,
      on,
      changed: toChange.length,
      unchanged: sites.length - toChange.length,
      functions: [...new Set(sites.map((s) => s.functionName))],
      objects: [...new Set(sites.map((s) => s.object.object.path))],
      runtime: attached?.origin ?? 'absent',
      injection: attached?.injection !== injectedBefore ? attached?.injection : undefined,
      slots: slots?.changes.length ?? 0,
      patch,
      changedSites: toChange,
    };
  }
}

const SLOT_PLAN_ATTEMPTS = 3;

/** Whether any slot no longer holds what its change expects (someone wrote it since it was read). */
async function slotsMoved(pid: number, changes: readonly SiteChange[]): Promise<boolean> {
  const now = await readMemory(pid, changes.map((c) => ({ address: c.address, length: c.expected.length })));
  return changes.some((c, i) => !now[i] || !Buffer.from(now[i]!).equals(c.expected));
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
 * (An injected runtime's slots, this one included, are in got-redirection.ts.)
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
