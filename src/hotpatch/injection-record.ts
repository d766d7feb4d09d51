/**
 * What iprobe changed in a process it injected the runtime into, so that a
 * later `iprobe hot --off --detach-runtime` (another iprobe process) can put
 * the GOT slots back: one small JSON file per process, /run/iprobe/<pid>.json.
 *
 * Why a file and not the runtime's shared memory: a process has any number
 * of instrumented objects, each with several slots, and the segment's
 * reserved words are few and partly FPerf's; a file also survives a runtime
 * whose segment could not be created. The record is written before the
 * slots are (write-ahead), so a tool killed in between leaves a record that
 * names slots which may still hold their original values: restoring
 * compares first and skips those.
 *
 * A record belongs to one process lifetime: it holds the process's start
 * time (/proc/PID/stat field 22), and one whose pid now names another
 * process, or whose process has exec'ed (the runtime is no longer mapped),
 * is stale and removed when met.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processStartTime } from '../runtime/process-info.js';

export const INJECTION_RECORD_FORMAT = 'iprobe-injection';
export const INJECTION_RECORD_VERSION = 1;

export interface RedirectedSlot {
  /** The object whose GOT (or IPROBE_POINT slot) this is. */
  object: string;
  /** The runtime handler it was pointed at. */
  hook: string;
  address: number;
  /** What it held before iprobe wrote it. */
  original: bigint;
  /** What iprobe wrote. */
  replacement: bigint;
}

export interface InjectionRecord {
  pid: number;
  startTime: bigint;
  /** The runtime library iprobe loaded. */
  runtime: string;
  injectedAt: string;
  slots: RedirectedSlot[];
  /**
   * Set when iprobe's dlopen() of the runtime was abandoned half-way (it did
   * not return in time) with the runtime already mapped: why. Such a runtime
   * may be uninitialised and the loader lock may be held, so it is never used.
   */
  abandoned?: string;
}

/** IPROBE_STATE_DIR, else /run/iprobe for root, else a per-user directory. */
export function stateDirectory(): string {
  if (process.env.IPROBE_STATE_DIR) return process.env.IPROBE_STATE_DIR;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/iprobe';
  return path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), `iprobe-${uid}`);
}

export function recordPath(pid: number): string {
  return path.join(stateDirectory(), `${pid}.json`);
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/**
 * The record of this very process, or undefined. `runtimeMapped` says
 * whether the process maps the runtime now: a record without it is left from
 * before an exec and is removed.
 */
export function readInjectionRecord(pid: number, runtimeMapped: boolean): InjectionRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(recordPath(pid), 'utf8'));
  } catch {
    return undefined;
  }
  const record = decode(raw);
  if (!record || record.pid !== pid || record.startTime !== processStartTime(pid) || !runtimeMapped) {
    removeInjectionRecord(pid);
    return undefined;
  }
  return record;
}

export function writeInjectionRecord(record: InjectionRecord): void {
  const file = recordPath(record.pid);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const json = {
    format: INJECTION_RECORD_FORMAT,
    version: INJECTION_RECORD_VERSION,
    pid: record.pid,
    startTime: record.startTime.toString(),
    runtime: record.runtime,
    injectedAt: record.injectedAt,
    ...(record.abandoned !== undefined ? { abandoned: record.abandoned } : {}),
    slots: record.slots.map((s) => ({
      object: s.object,
      hook: s.hook,
      address: hex(s.address),
      original: hex(s.original),
      replacement: hex(s.replacement),
    })),
  };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

export function removeInjectionRecord(pid: number): void {
  rmSync(recordPath(pid), { force: true });
}

function decode(raw: unknown): InjectionRecord | undefined {
  const r = raw as Record<string, unknown> | null;
  if (!r || r.format !== INJECTION_RECORD_FORMAT || r.version !== INJECTION_RECORD_VERSION) return undefined;
  if (typeof r.pid !== 'number' || typeof r.startTime !== 'string' || typeof r.runtime !== 'string' || !Array.isArray(r.slots)) {
    return undefined;
  }
  try {
    return {
      pid: r.pid,
      startTime: BigInt(r.startTime),
      runtime: r.runtime,
      injectedAt: String(r.injectedAt ?? ''),
      ...(typeof r.abandoned === 'string' ? { abandoned: r.abandoned } : {}),
      slots: (r.slots as Record<string, string>[]).map((s) => ({
        object: String(s.object),
        hook: String(s.hook),
        address: Number(BigInt(s.address!)),
        original: BigInt(s.original!),
        replacement: BigInt(s.replacement!),
      })),
    };
  } catch {
    return undefined;
  }
}
