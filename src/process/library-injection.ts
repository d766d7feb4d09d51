/**
 * Loads a shared library into a live process through ptrace: a borrowed
 * thread calls the process's own dlopen(). The order of work and its
 * guarantees are in the comment above InjectLibrary in
 * native/addon/library_injector.cc and in docs/injection.md.
 */
import { injectLibraryRaw, type RawInjectionReport } from '../native/injection.js';
import { explainEngineFailure } from './engine-errors.js';
import { checkTargetProcess } from './patch-engine.js';
import { withSignalGuard } from './signal-guard.js';

/** Code a thread may be running while it holds a lock dlopen() takes (loader, malloc). */
export interface BusyRange {
  start: number;
  end: number;
  what: string;
  /**
   * 'any': no thread may be inside (a lock held for long: the loader's);
   * 'borrowed': only the thread that makes the call may not (a lock held
   * briefly: malloc's, which the other threads, running, soon release).
   */
  scope: 'any' | 'borrowed';
}

export interface LibraryInjection {
  /** Path of the library as the target sees it. */
  library: string;
  /** Run-time addresses of dlopen and dlerror in the target (dlerror may be absent). */
  dlopen: number;
  dlerror?: number;
  /** dlopen's mode argument (RTLD_*). */
  flags: number;
  busy: readonly BusyRange[];
  /** Stops to try before giving up on a thread inside the loader or malloc (default 20, ~1.6 s). */
  attempts?: number;
  callTimeoutMs?: number;
}

/** dlopen's handle, the thread that made the call, the stops it took and how long threads were held. */
export type InjectionResult = RawInjectionReport;

export const RTLD_NOW = 0x2;

export async function injectLibrary(pid: number, request: LibraryInjection): Promise<InjectionResult> {
  checkTargetProcess(pid);
  try {
    return await withSignalGuard(() =>
      injectLibraryRaw(pid, {
        library: request.library,
        dlopen: BigInt(request.dlopen),
        dlerror: BigInt(request.dlerror ?? 0),
        flags: request.flags,
        busy: request.busy.map((r) => ({ start: BigInt(r.start), end: BigInt(r.end), what: r.what, scope: r.scope })),
        attempts: request.attempts,
        callTimeoutMs: request.callTimeoutMs,
      }),
    );
  } catch (err) {
    throw explainEngineFailure(pid, err);
  }
}
