/**
 * The live side of HotPatch: switch sets of code sites of a running process,
 * all or nothing, and read what a process's memory holds now. Each call
 * attaches, stops every thread, works and detaches; see
 * docs/hotpatch-engine.md for the guarantees.
 */
import { UserError } from '../util/user-error.js';
import { patchSitesRaw, readMemoryRaw } from '../native/patch-engine.js';
import { explainEngineFailure, noSuchProcess } from './engine-errors.js';
import { executableMachine } from './executable-machine.js';
import { readStatus } from './proc-status.js';
import { withSignalGuard } from './signal-guard.js';

export interface SiteChange {
  /** Absolute address in the target. */
  address: number;
  /** What must be there now (compare-and-swap). */
  expected: Uint8Array;
  /** What to write; same length as `expected`. */
  replacement: Uint8Array;
}

export interface PatchResult {
  /** Threads stopped. */
  threads: number;
  /**
   * Times a thread was resumed alone and stopped again to leave a site or a
   * no-stop zone (the engine never single-steps: docs/hotpatch-engine.md).
   */
  restops: number;
  sites: number;
  /** Threads moved past the NOPs that end a site by setting their pc (no run needed). */
  nopSkips: number;
  /** Writes into the process: one per page that holds sites. */
  writes: number;
  /** First stop request to last thread resumed. */
  stopWindowNs: number;
}

/** [start, end): absolute addresses. */
export interface AddressRange {
  start: number;
  end: number;
}

export interface PatchOptions {
  /** How long every thread gets to stop before the operation gives up (default 2000). */
  stopTimeoutMs?: number;
  /**
   * Code in which no thread may stand when the sites are written, first byte
   * included (e.g. the dynamic loader's lazy resolver and PLT stubs while
   * GOT slots are written). Threads there are moved out first; one that
   * will not leave fails the operation, with nothing written.
   */
  noStopZones?: readonly AddressRange[];
}

export interface MemoryRange {
  address: number;
  length: number;
}

/** Checks what can be checked before touching the process: exists, is a process, alive, x86-64. */
export function checkTargetProcess(pid: number): void {
  if (!Number.isInteger(pid) || pid < 1) throw new UserError(`invalid pid ${pid}`);
  const status = readStatus(pid);
  if (!status) throw noSuchProcess(pid);
  if (status.tgid !== pid) {
    throw new UserError(`${pid} is a thread of process ${status.tgid}`, `pass the process id ${status.tgid}`);
  }
  if (status.state === 'Z' || status.state === 'X') {
    throw new UserError(`process ${pid} is a zombie: it has exited and waits for its parent to reap it`);
  }
  if (status.ppid === process.pid) {
    // libuv waitpid()s the children it spawned and would take the ptrace
    // stops of the main thread for an exit.
    throw new UserError(
      `process ${pid} is a child of this iprobe process and cannot be patched by it`,
      'start the service on its own (detached, e.g. through a shell) and attach to it',
    );
  }
  const machine = executableMachine(pid);
  if (machine && !machine.isX86_64) {
    throw new UserError(`process ${pid} (${status.name}) is not an x86-64 process: ${machine.description}`);
  }
}

/** Writes every site's replacement, or none of them. */
export async function patchSites(
  pid: number,
  sites: readonly SiteChange[],
  options: PatchOptions = {},
): Promise<PatchResult> {
  checkTargetProcess(pid);
  const addresses = new Float64Array(sites.length);
  const lengths = new Uint8Array(sites.length);
  let total = 0;
  sites.forEach((site, i) => {
    if (site.expected.length !== site.replacement.length || site.expected.length === 0 || site.expected.length > 64) {
      throw new RangeError(`site 0x${site.address.toString(16)}: expected and replacement must be 1..64 bytes of equal length`);
    }
    addresses[i] = site.address;
    lengths[i] = site.expected.length;
    total += site.expected.length;
  });
  const expected = new Uint8Array(total);
  const replacement = new Uint8Array(total);
  let offset = 0;
  for (const site of sites) {
    expected.set(site.expected, offset);
    replacement.set(site.replacement, offset);
    offset += site.expected.length;
  }
  const zones = options.noStopZones ?? [];
  for (const zone of zones) {
    if (!(zone.start < zone.end)) {
      throw new RangeError(`no-stop zone 0x${zone.start.toString(16)}-0x${zone.end.toString(16)} is empty`);
    }
  }
  const zoneStarts = Float64Array.from(zones, (z) => z.start);
  const zoneEnds = Float64Array.from(zones, (z) => z.end);
  try {
    return await withSignalGuard(() =>
      patchSitesRaw(pid, addresses, lengths, expected, replacement, options.stopTimeoutMs ?? 2000, zoneStarts, zoneEnds),
    );
  } catch (err) {
    throw explainEngineFailure(pid, err);
  }
}

/** The bytes at each range now (undefined where unmapped); the process keeps running. */
export async function readMemory(pid: number, ranges: readonly MemoryRange[]): Promise<(Uint8Array | undefined)[]> {
  const addresses = Float64Array.from(ranges, (r) => r.address);
  const lengths = Uint32Array.from(ranges, (r) => r.length);
  let snapshot;
  try {
    snapshot = await readMemoryRaw(pid, addresses, lengths);
  } catch (err) {
    throw explainEngineFailure(pid, err);
  }
  const out: (Uint8Array | undefined)[] = [];
  let offset = 0;
  ranges.forEach((range, i) => {
    out.push(snapshot.readable[i] ? snapshot.bytes.slice(offset, offset + range.length) : undefined);
    offset += range.length;
  });
  return out;
}
