/**
 * The runtime of a live process: found where it was preloaded or injected
 * before, or injected now by a remote dlopen() (src/process/library-injection.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { injectLibrary, RTLD_NOW, type InjectionResult } from '../process/library-injection.js';
import { readMaps } from '../process/maps.js';
import { runtimeLibraryPath } from '../runtime/library.js';
import { processStartTime } from '../runtime/process-info.js';
import { RuntimeSegment } from '../runtime/segment.js';
import { UserError } from '../util/user-error.js';
import { planInjection } from './injection-plan.js';
import { readInjectionRecord, recordPath, writeInjectionRecord, type InjectionRecord } from './injection-record.js';
import { loadedObjects, type LoadedObject } from './loaded-objects.js';
import { findRuntimeInProcess, type RuntimeInProcess } from './runtime-in-process.js';

export type RuntimeOrigin = 'preloaded' | 'injected';

export interface AttachedRuntime {
  runtime: RuntimeInProcess;
  origin: RuntimeOrigin;
  /** For an injected runtime: what iprobe changed (kept in sync with the record file). */
  record?: InjectionRecord;
  /** Set when this call injected it. */
  injection?: InjectionResult & { library: string; dlopenObject: string };
  /** The process's objects, read again after an injection. */
  objects: LoadedObject[];
}

/** The library `iprobe hot` injects: IPROBE_RUNTIME_LIBRARY, else the one built with this iprobe. */
export function injectedRuntimeLibrary(): string {
  return process.env.IPROBE_RUNTIME_LIBRARY || runtimeLibraryPath;
}

/** The runtime in the process and how it got there, or undefined. */
export async function findAttachedRuntime(pid: number, objects: LoadedObject[]): Promise<AttachedRuntime | undefined> {
  const runtime = await findRuntimeInProcess(pid, objects);
  const record = readInjectionRecord(pid, runtime !== undefined);
  if (!runtime) return undefined;
  if (record?.abandoned !== undefined) throw abandonedRuntime(pid, record);
  if (record) return { runtime, origin: 'injected', record, objects };
  if (preloadedInto(pid, runtime.object.path)) return { runtime, origin: 'preloaded', objects };
  // Mapped, not preloaded, and its record is gone (e.g. /run was cleared):
  // a new record starts from the slots as they are now.
  const fresh: InjectionRecord = {
    pid,
    startTime: processStartTime(pid) ?? 0n,
    runtime: runtime.object.path,
    injectedAt: '',
    slots: [],
  };
  return { runtime, origin: 'injected', record: fresh, objects };
}

/** The attached runtime, injecting it first if the process has none. */
export async function attachRuntime(pid: number, objects: LoadedObject[]): Promise<AttachedRuntime> {
  return (await findAttachedRuntime(pid, objects)) ?? injectRuntime(pid, objects);
}

async function injectRuntime(pid: number, objects: readonly LoadedObject[]): Promise<AttachedRuntime> {
  const library = injectedRuntimeLibrary();
  if (!existsSync(`/proc/${pid}/root${library}`)) {
    if (!existsSync(library)) {
      throw new UserError(`the iprobe runtime library ${library} does not exist; nothing was done to process ${pid}`, 'build it with: npm run build:native (or set IPROBE_RUNTIME_LIBRARY)');
    }
    throw new UserError(
      `the iprobe runtime library ${library} is not visible inside the root filesystem of process ${pid} (a container?)`,
      'copy it into the container and name that path in IPROBE_RUNTIME_LIBRARY',
    );
  }
  const plan = await planInjection(pid, objects);
  let injection: InjectionResult;
  try {
    injection = await injectLibrary(pid, {
      library,
      dlopen: plan.dlopen,
      dlerror: plan.dlerror,
      flags: RTLD_NOW,
      busy: plan.busy,
      callTimeoutMs: dlopenTimeoutForTests(),
    });
  } catch (err) {
    throw await noteAbandonedLoad(pid, library, err);
  }
  const after = loadedObjects(await readMaps(pid));
  const runtime = await findRuntimeInProcess(pid, after);
  if (!runtime) {
    throw new UserError(
      `dlopen(${library}) succeeded in process ${pid}, but no mapped object defines the iprobe handlers`,
      'IPROBE_RUNTIME_LIBRARY must name the iprobe runtime (build/Release/libiprobe_runtime.so)',
    );
  }
  const record: InjectionRecord = {
    pid,
    startTime: processStartTime(pid) ?? 0n,
    runtime: runtime.object.path,
    injectedAt: new Date().toISOString(),
    slots: [],
  };
  writeInjectionRecord(record);
  startCounting(pid);
  return { runtime, origin: 'injected', record, injection: { ...injection, library, dlopenObject: plan.dlopenObject }, objects: after };
}

/** IPROBE_TEST_DLOPEN_TIMEOUT_MS, for tests only: the time the remote dlopen() gets (default 10 s). */
function dlopenTimeoutForTests(): number | undefined {
  const ms = Number(process.env.IPROBE_TEST_DLOPEN_TIMEOUT_MS);
  return Number.isInteger(ms) && ms > 0 ? ms : undefined;
}

/**
 * A failed injection that nonetheless left the runtime mapped (a dlopen()
 * abandoned half-way: its constructor may not have run, the loader lock may
 * be held) is recorded as abandoned, so that no later iprobe takes that
 * runtime for a working one; the error says so.
 */
async function noteAbandonedLoad(pid: number, library: string, err: unknown): Promise<unknown> {
  if (!(err instanceof Error)) return err;
  let mapped: LoadedObject | undefined;
  try {
    mapped = loadedObjects(await readMaps(pid)).find((o) => o.path === library || path.basename(o.path) === path.basename(library));
  } catch {
    return err; // the process is gone
  }
  if (!mapped) return err;
  writeInjectionRecord({
    pid,
    startTime: processStartTime(pid) ?? 0n,
    runtime: mapped.path,
    injectedAt: new Date().toISOString(),
    slots: [],
    abandoned: err.message,
  });
  return new UserError(
    `${err.message}; ${mapped.path} is mapped in process ${pid} but was never seen to load: iprobe will not use it in this process`,
    err instanceof UserError ? err.hint : undefined,
  );
}

function abandonedRuntime(pid: number, record: InjectionRecord): UserError {
  return new UserError(
    `process ${pid} maps the iprobe runtime ${record.runtime} from an injection at ${record.injectedAt} whose dlopen was abandoned half-way ` +
      `(see ${recordPath(pid)}); it may be uninitialised and the loader lock may be held, so iprobe will not use it`,
    'restart the process (with iprobe run, or let iprobe hot inject into the new one)',
  );
}

/** A fresh injected runtime waits in mode off; count, as `iprobe run` does by default. */
function startCounting(pid: number): void {
  const segment = RuntimeSegment.open(pid);
  try {
    if (segment.mode() === 'off') segment.setMode('count');
  } finally {
    segment.close();
  }
}

/** Whether the process was started with the runtime in LD_PRELOAD. */
function preloadedInto(pid: number, runtimePath: string): boolean {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  const preload = environ.split('\0').find((v) => v.startsWith('LD_PRELOAD='));
  if (!preload) return false;
  const name = path.basename(runtimePath);
  return preload
    .slice('LD_PRELOAD='.length)
    .split(/[\s:]+/)
    .some((entry) => entry === runtimePath || path.basename(entry) === name);
}
