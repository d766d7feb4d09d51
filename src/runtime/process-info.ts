/** What /proc says about a process: alive or not, and when it started. */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat (clock ticks since boot), or undefined if there is no such process. */
export function processStartTime(pid: number): bigint | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) may contain spaces and parentheses: count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[22 - 3];
  return startTime === undefined ? undefined : BigInt(startTime);
}

/** True if `pid` is alive (zombies included: their segment may still hold data). */
export function processExists(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

/** True while `pid` runs: it exists and is not a zombie (whose threads can answer nothing). */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The process's real, effective, saved and filesystem uids (the "Uid:" line of /proc/<pid>/status). */
export function processUids(pid: number): number[] {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Uid:'));
    return line ? line.slice(4).trim().split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}
