/**
 * Typed wrapper of the addon's ptrace patch engine. Every call runs on the
 * addon's one tracer thread and returns a promise; failures reject with an
 * EngineFailure whose `code` src/process/engine-errors.ts turns into a
 * message for the operator.
 */
import { loadAddon } from './load-addon.js';

export interface RawPatchReport {
  threads: number;
  restops: number;
  sites: number;
  nopSkips: number;
  writes: number;
  stopWindowNs: number;
}

export interface RawMemorySnapshot {
  /** The ranges' bytes back to back (zeros where unreadable). */
  bytes: Uint8Array;
  /** 1 where the range could be read. */
  readable: Uint8Array;
}

/** What the engine rejects with. */
export interface EngineFailure extends Error {
  code: string;
  tid: number;
  errno: number;
}

interface PatchEngineBinding {
  patchSites(
    pid: number,
    addresses: Float64Array,
    lengths: Uint8Array,
    expected: Uint8Array,
    replacement: Uint8Array,
    stopTimeoutMs: number,
    zoneStarts?: Float64Array,
    zoneEnds?: Float64Array,
  ): Promise<RawPatchReport>;
  readMemory(pid: number, addresses: Float64Array, lengths: Uint32Array): Promise<RawMemorySnapshot>;
  setAbortRequested(on: boolean): void;
}

const binding = (): PatchEngineBinding => loadAddon<PatchEngineBinding>();

export function isEngineFailure(err: unknown): err is EngineFailure {
  return err instanceof Error && typeof (err as Partial<EngineFailure>).code === 'string' && 'tid' in err;
}

export function patchSitesRaw(
  pid: number,
  addresses: Float64Array,
  lengths: Uint8Array,
  expected: Uint8Array,
  replacement: Uint8Array,
  stopTimeoutMs: number,
  zoneStarts?: Float64Array,
  zoneEnds?: Float64Array,
): Promise<RawPatchReport> {
  return binding().patchSites(pid, addresses, lengths, expected, replacement, stopTimeoutMs, zoneStarts, zoneEnds);
}

export function readMemoryRaw(pid: number, addresses: Float64Array, lengths: Uint32Array): Promise<RawMemorySnapshot> {
  return binding().readMemory(pid, addresses, lengths);
}

/** Operations that have not begun writing give up (used on SIGINT/SIGTERM). */
export function setAbortRequested(on: boolean): void {
  binding().setAbortRequested(on);
}
