/**
 * Typed wrapper of the addon's library injection and bare remote call. Both
 * run on the addon's tracer thread; failures reject with an EngineFailure
 * (src/native/patch-engine.ts) that src/process/engine-errors.ts explains.
 */
import { loadAddon } from './load-addon.js';

export interface RawBusyRange {
  start: bigint;
  end: bigint;
  what: string;
  scope: 'any' | 'borrowed';
}

export interface RawInjectionRequest {
  library: string;
  dlopen: bigint;
  /** 0n when the process's libc has no dlerror to ask. */
  dlerror: bigint;
  flags: number;
  busy: RawBusyRange[];
  attempts?: number;
  callTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface RawInjectionReport {
  /** dlopen's handle in the target. */
  handle: bigint;
  /** The thread that made the call. */
  tid: number;
  /** Stops it took to find no thread inside the loader (and one to borrow outside malloc). */
  attempts: number;
  threads: number;
  /** Every thread stopped, for the last attempt's checks. */
  stopWindowNs: number;
  /** The borrowed thread held for the calls (the other threads ran). */
  callNs: number;
}

export interface RawRemoteCallRequest {
  /** Thread to borrow; the first suitable one when omitted. */
  tid?: number;
  function: bigint;
  args: bigint[];
  /** Copied onto the borrowed thread's stack; its address becomes args[dataArg]. */
  data?: Uint8Array;
  dataArg?: number;
  timeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface RawRemoteCallReport {
  value: bigint;
  tid: number;
}

interface InjectionBinding {
  injectLibrary(pid: number, request: RawInjectionRequest): Promise<RawInjectionReport>;
  remoteCall(pid: number, request: RawRemoteCallRequest): Promise<RawRemoteCallReport>;
}

const binding = (): InjectionBinding => loadAddon<InjectionBinding>();

export function injectLibraryRaw(pid: number, request: RawInjectionRequest): Promise<RawInjectionReport> {
  return binding().injectLibrary(pid, request);
}

export function remoteCallRaw(pid: number, request: RawRemoteCallRequest): Promise<RawRemoteCallReport> {
  return binding().remoteCall(pid, request);
}
