/**
 * `iprobe hot`: switch chosen probes of a live process on or off in one
 * stop of all its threads. Every byte written is first read and compared
 * (here, and again by the engine while the threads are stopped).
 */
import { checkTargetProcess, patchSites, readMemory, type PatchResult, type SiteChange } from '../process/patch-engine.js';
import { UserError } from '../util/user-error.js';
import { processProbes } from './process-probes.js';
import type { LoadedObject } from './loaded-objects.js';
import type { ProbedObject } from './probed-objects.js';
import { findRuntimeInProcess, type RuntimeInProcess } from './runtime-in-process.js';
import { selectSites, type SelectedSite, type SiteSelection } from './site-selection.js';
import { readSiteStates } from './site-states.js';

export interface SwitchRequest {
  pid: number;
  on: boolean;
  selection: SiteSelection;
  probeLists?: readonly string[];
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
  runtime: 'loaded' | 'absent';
  patch?: PatchResult;
  /** The sites this operation wrote (left out of --json). */
  changedSites: readonly SelectedSite[];
}

export async function switchProbes(request: SwitchRequest): Promise<SwitchOutcome> {
  const session = await ProbeSwitcher.open(request.pid, request.probeLists);
  return session.switch(request.on, request.selection);
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
    private readonly objects: readonly LoadedObject[],
  ) {}

  static async open(pid: number, probeLists?: readonly string[]): Promise<ProbeSwitcher> {
    await checkTargetProcess(pid);
    const { objects, probed } = await processProbes(pid, probeLists);
    return new ProbeSwitcher(pid, probed, objects);
  }

  private runtime: RuntimeInProcess | undefined;

  /** The runtime in the process (found once; looked for again while absent). */
  async findRuntime(): Promise<RuntimeInProcess | undefined> {
    this.runtime ??= await findRuntimeInProcess(this.pid, this.objects);
    return this.runtime;
  }

  async switch(on: boolean, selection: SiteSelection): Promise<SwitchOutcome> {
    const sites = selectSites(this.probed, selection);
    if (sites.length === 0) {
      throw new UserError(
        selection.all
          ? `no switchable probes in process ${this.pid}`
          : `no probes match ${selection.functions.join(' ')} in process ${this.pid}`,
        `list them with: iprobe hot ${this.pid} --list`,
      );
    }
    return this.switchSites(on, sites);
  }

  /** Switches exactly these sites (e.g. back off, the ones an earlier switch turned on). */
  async switchSites(on: boolean, sites: readonly SelectedSite[]): Promise<SwitchOutcome> {
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
    const runtime = await this.findRuntime();
    if (on && !runtime && toChange.length > 0) {
      throw new UserError(
        `the iprobe runtime is not loaded in process ${pid}: switched-on probes would only reach the libc stubs`,
        'start the program with: iprobe run -- <program> <args>',
      );
    }
    const changes: SiteChange[] = toChange.map((s) => ({
      address: s.address,
      expected: on ? s.site.placeholder : s.site.enable!,
      replacement: on ? s.site.enable! : s.site.placeholder,
    }));
    if (on && runtime) changes.push(...(await pointSlotChanges(pid, this.probed, toChange, runtime)));

    const patch = changes.length > 0 ? await patchSites(pid, changes) : undefined;
    return {
      pid,
      on,
      changed: toChange.length,
      unchanged: sites.length - toChange.length,
      functions: [...new Set(sites.map((s) => s.functionName))],
      objects: [...new Set(sites.map((s) => s.object.object.path))],
      runtime: runtime ? 'loaded' : 'absent',
      patch,
      changedSites: toChange,
    };
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
