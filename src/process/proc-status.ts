/** The parts of /proc/PID/status (and /proc/PID/task) that the ptrace engine's callers need. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStatus {
  name: string;
  /** One letter: R, S, D, T (stopped), t (traced), Z (zombie), X... */
  state: string;
  tgid: number;
  ppid: number;
  /** Thread id of the thread tracing this one, 0 if none. */
  tracerPid: number;
  /** real, effective, saved, filesystem */
  uids: number[];
  gids: number[];
  /** Effective capabilities as a bit mask. */
  capEff: bigint;
}

/** undefined when the process (or thread) does not exist. */
export function readStatus(pid: number, tid = pid): ProcessStatus | undefined {
  let text: string;
  try {
    text = readFileSync(tid === pid ? `/proc/${pid}/status` : `/proc/${pid}/task/${tid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (key: string): string => {
    const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1]!.trim() : '';
  };
  const numbers = (key: string): number[] => field(key).split(/\s+/).filter(Boolean).map(Number);
  return {
    name: field('Name'),
    state: field('State').charAt(0),
    tgid: Number(field('Tgid')),
    ppid: Number(field('PPid')),
    tracerPid: Number(field('TracerPid') || 0),
    uids: numbers('Uid'),
    gids: numbers('Gid'),
    capEff: BigInt(`0x${field('CapEff') || '0'}`),
  };
}

/** Thread ids of a process, sorted; empty when it does not exist. */
export function listThreads(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((tid) => Number.isInteger(tid))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** The command name of a process or thread, or undefined. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
