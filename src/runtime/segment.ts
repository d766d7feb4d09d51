/**
 * Opening the runtime segment of a process (/dev/shm/iprobe.<pid>): the
 * checks that turn "cannot open" into a reason an operator can act on, stale
 * segments of dead processes, and the controller's writes (mode, reset).
 */
import { readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ShmMapError, ShmMapping } from '../native/shm.js';
import { UserError } from '../util/user-error.js';
import {
  CONTROL,
  FPERF_ROW_SIZE,
  HEADER,
  HEADER_SIZE,
  LAYOUT_VERSION,
  LayoutError,
  MODES,
  SEGMENT_DIR,
  SEGMENT_PREFIX,
  STAT,
  STAT_SIZE,
  parseHeader,
  type Mode,
  type RuntimeCounters,
  type SegmentHeader,
} from './layout.js';
import { processStartTime, processUids } from './process-info.js';
import { readFunctionStats, usedFunctionIndices, type FunctionStat } from './function-table.js';
import { drainEvents, drainRawEvents, ringFullDrops, type RuntimeEvent } from './events.js';
import { tickClock, type TickClock } from './clock.js';

export function segmentPath(pid: number): string {
  return path.join(SEGMENT_DIR, `${SEGMENT_PREFIX}${pid}`);
}

/** A mapped, validated segment. Reads go to the live memory: each call sees the latest values. */
export class RuntimeSegment {
  private constructor(
    readonly path: string,
    readonly mapping: ShmMapping,
    readonly pid: number,
  ) {}

  /** Opens the runtime of a running process; UserError with the reason if there is none. */
  static open(pid: number): RuntimeSegment {
    const file = segmentPath(pid);
    const startTime = processStartTime(pid);
    let segment: RuntimeSegment;
    try {
      segment = RuntimeSegment.openPath(file, pid);
    } catch (err) {
      if (err instanceof UserError && startTime === undefined) throw noProcess(pid);
      throw err;
    }
    const header = segment.header();
    // the runtime creates the file as the process: anything else was planted by someone else
    const owner = statSync(file).uid;
    if (header.pid !== pid || (startTime !== undefined && !processUids(pid).includes(owner))) {
      segment.close();
      throw new UserError(`${file} does not belong to process ${pid}`, `its header names pid ${header.pid}, its owner is uid ${owner}`);
    }
    if (startTime === undefined || header.processStartTime !== startTime) {
      segment.close();
      removeQuietly(file);
      throw startTime === undefined
        ? noProcess(pid, `removed its stale segment ${file}`)
        : new UserError(`no iprobe runtime in process ${pid}`, `removed the stale segment ${file} of an earlier process with that pid`);
    }
    // The pid and start time survive execve(); the segment belongs to one program. It is left in
    // place: the new program's runtime, if it has one, replaces it as it starts.
    if (!header.exited && !sameProgram(header.exe, currentProgram(pid))) {
      segment.close();
      throw new UserError(
        `the iprobe segment of process ${pid} belongs to an earlier program (it has exec'ed since)`,
        'the program it runs now has no runtime yet: start it with `iprobe run`, or inject the runtime',
      );
    }
    return segment;
  }

  /** Opens a segment file without checking its process (it may have exited while we hold the mapping). */
  static openPath(file: string, pid = pidOfPath(file)): RuntimeSegment {
    let mapping: ShmMapping;
    try {
      mapping = ShmMapping.open(file);
    } catch (err) {
      throw openError(err, pid, file);
    }
    try {
      if (mapping.size < HEADER_SIZE) throw new LayoutError('not-iprobe', 'file too small');
      parseHeader(mapping.read(0, HEADER_SIZE), mapping.size);
    } catch (err) {
      mapping.close();
      throw layoutError(err, pid, file);
    }
    return new RuntimeSegment(file, mapping, pid);
  }

  header(): SegmentHeader {
    return parseHeader(this.mapping.read(0, HEADER_SIZE), this.mapping.size);
  }

  mode(): Mode | `unknown(${number})` {
    const value = this.mapping.load32(CONTROL.mode);
    return MODES[value] ?? `unknown(${value})`;
  }

  /**
   * Switches the running program's runtime; hooks see it on their next call.
   * In fperf mode the hooks count calls and sample the events an
   * FperfControl configured (calls only until then).
   */
  setMode(mode: Mode): void {
    this.mapping.store32(CONTROL.mode, MODES.indexOf(mode));
  }

  /**
   * Zeroes the function statistics. Threads zero their own rows on their
   * next hook (readers ignore rows of an older generation until then); the
   * retired row is zeroed here, under the fold seqlock.
   */
  async resetCounters(): Promise<void> {
    const header = this.header();
    const sequence = await this.lockFolds();
    try {
      this.mapping.add32(CONTROL.resetGeneration, 1);
      for (const index of usedFunctionIndices(this.mapping, header)) {
        const stat = header.retiredOffset + index * STAT_SIZE;
        for (const field of [STAT.calls, STAT.totalTicks, STAT.selfTicks]) this.mapping.store64(stat + field, 0n);
        const samples = header.fperfRetiredOffset + index * FPERF_ROW_SIZE;
        for (let field = 0; field < FPERF_ROW_SIZE; field += 8) this.mapping.store64(samples + field, 0n);
      }
    } finally {
      this.mapping.store32(HEADER.foldSequence, sequence + 2);
    }
  }

  /** Per-function calls and times, summed over all threads (count mode). */
  functionStats(): FunctionStat[] {
    return readFunctionStats(this.mapping, this.header());
  }

  /** Takes the pending trace events of every thread, exited ones included (at most maxPerThread each). */
  drainEvents(maxPerThread?: number): RuntimeEvent[] {
    return drainEvents(this.mapping, this.header(), maxPerThread);
  }

  /** drainEvents, undecoded (see decodeEvents). */
  drainRawEvents(maxPerThread?: number): Buffer[] {
    return drainRawEvents(this.mapping, this.header(), maxPerThread);
  }

  counters(): RuntimeCounters {
    const header = this.header();
    return { ...header.counters, ringFullDrops: ringFullDrops(this.mapping, header) };
  }

  clock(): TickClock {
    return tickClock(this.header());
  }

  close(): void {
    this.mapping.close();
  }

  /** Takes the seqlock a runtime thread holds while folding an exited thread's stats. */
  private async lockFolds(): Promise<number> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const sequence = this.mapping.load32(HEADER.foldSequence);
      if (sequence % 2 === 0 && this.mapping.compareExchange32(HEADER.foldSequence, sequence, sequence + 1)) {
        return sequence;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error('the runtime kept its fold sequence locked');
  }
}

/** Removes segments whose process is gone (or whose pid now belongs to another process). */
export function removeStaleSegments(dir = SEGMENT_DIR): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = Number(name.slice(SEGMENT_PREFIX.length));
    if (!name.startsWith(SEGMENT_PREFIX) || !Number.isInteger(pid) || pid <= 0) continue;
    const file = path.join(dir, name);
    const startTime = processStartTime(pid);
    let owner: bigint | undefined;
    try {
      const segment = RuntimeSegment.openPath(file, pid);
      owner = segment.header().processStartTime;
      segment.close();
    } catch {
      if (startTime !== undefined) continue; // starting, foreign or unreadable: not ours to judge
    }
    if (startTime === undefined || (owner !== undefined && owner !== startTime)) {
      if (removeQuietly(file)) removed.push(file);
    }
  }
  return removed;
}

type ProgramIdentity = SegmentHeader['exe'];

/**
 * The program a process runs now, as the runtime records it (0n where /proc
 * does not say: no permission, or a zombie).
 */
function currentProgram(pid: number): ProgramIdentity {
  let device = 0n;
  let inode = 0n;
  let startStack = 0n;
  try {
    ({ dev: device, ino: inode } = statSync(`/proc/${pid}/exe`, { bigint: true }));
  } catch {
    // unreadable: judged by the start of the stack alone
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 28; the command name (field 2) may contain spaces and parentheses: count from the last ')'
    startStack = BigInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[28 - 3] ?? 0);
  } catch {
    // gone: the caller finds out from its start time
  }
  return { device, inode, startStack };
}

/** False only when both sides recorded a part of the identity and it differs. */
function sameProgram(recorded: ProgramIdentity, now: ProgramIdentity): boolean {
  const differs = (a: bigint, b: bigint): boolean => a !== 0n && b !== 0n && a !== b;
  return !(differs(recorded.device, now.device) || differs(recorded.inode, now.inode) || differs(recorded.startStack, now.startStack));
}

function removeQuietly(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

function pidOfPath(file: string): number {
  return Number(path.basename(file).slice(SEGMENT_PREFIX.length)) || 0;
}

function noProcess(pid: number, detail?: string): UserError {
  return new UserError(`no process ${pid}`, detail);
}

function openError(err: unknown, pid: number, file: string): unknown {
  if (!(err instanceof ShmMapError)) return err;
  switch (err.code) {
    case 'ENOENT':
      return new UserError(
        `no iprobe runtime in process ${pid}`,
        `${file} does not exist: start the program with \`iprobe run\`, or inject the runtime`,
      );
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `permission denied: ${file}`,
        "the segment is readable by the target's user only: run iprobe as that user or as root",
      );
    case 'ENODATA':
      return new UserError(`the runtime of process ${pid} is still starting`, 'try again');
    default:
      return new UserError(`cannot map ${file}: ${err.message}`);
  }
}

function layoutError(err: unknown, pid: number, file: string): unknown {
  if (!(err instanceof LayoutError)) return err;
  switch (err.problem) {
    case 'unknown-version':
      return new UserError(
        `the runtime in process ${pid} uses shared-memory layout version ${err.version}; this iprobe reads version ${LAYOUT_VERSION}`,
        'use the iprobe that shipped that runtime',
      );
    case 'not-iprobe':
      return new UserError(`${file} is not an iprobe segment (or its runtime is still starting)`);
    default:
      return new UserError(`${file} has a damaged header: ${err.message}`);
  }
}
