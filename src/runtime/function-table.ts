/** Reading the function table and the per-function statistics (count mode). */
import type { ShmMapping } from '../native/shm.js';
import {
  CONTROL,
  FUNCTION,
  FUNCTION_SIZE,
  FunctionKind,
  HEADER,
  SLOT,
  SLOT_SIZE,
  STAT,
  STAT_SIZE,
  type SegmentHeader,
} from './layout.js';

export interface FunctionEntry {
  /** Table index: the function's id in stats rows. */
  index: number;
  /** Run-time address: the function's entry, or an IPROBE_POINT site. */
  address: number;
  kind: 'function' | 'point';
}

export interface FunctionStat extends FunctionEntry {
  calls: number;
  /** Inclusive ticks of outermost activations (a recursive function is not counted twice). */
  totalTicks: number;
  /** Ticks not spent in instrumented callees. */
  selfTicks: number;
}

export function readFunctionTable(mapping: ShmMapping, header: SegmentHeader): FunctionEntry[] {
  const table = mapping.read(header.functionsOffset, header.functionCapacity * FUNCTION_SIZE);
  const entries: FunctionEntry[] = [];
  for (let index = 0; index < header.functionCapacity; index++) {
    const at = index * FUNCTION_SIZE;
    const address = table.readBigUInt64LE(at + FUNCTION.address);
    if (address === 0n) continue;
    const kind = table.readUInt32LE(at + FUNCTION.kind) === FunctionKind.Point ? 'point' : 'function';
    entries.push({ index, address: Number(address), kind });
  }
  return entries;
}

export function usedFunctionIndices(mapping: ShmMapping, header: SegmentHeader): number[] {
  return readFunctionTable(mapping, header).map((entry) => entry.index);
}

const SUMMED = 3 * 8; // calls, totalTicks, selfTicks

/**
 * Sums every thread's statistics row and the retired row (threads that
 * exited and gave their slot away), in one consistent copy: the runtime moves
 * amounts from a row to retired under the fold seqlock, and the copy is
 * retried while a move is in progress.
 */
export function readFunctionStats(mapping: ShmMapping, header: SegmentHeader): FunctionStat[] {
  const entries = readFunctionTable(mapping, header);
  const slots = Math.min(header.slotsUsed, header.threadCapacity);
  const ranges: [number, number][] = [[CONTROL.resetGeneration, 4]];
  for (let slot = 0; slot < slots; slot++) ranges.push([header.slotsOffset + slot * SLOT_SIZE + SLOT.statsGeneration, 4]);
  for (const { index } of entries) {
    ranges.push([header.retiredOffset + index * STAT_SIZE, SUMMED]);
    for (let slot = 0; slot < slots; slot++) {
      ranges.push([header.statsOffset + (slot * header.functionCapacity + index) * STAT_SIZE, SUMMED]);
    }
  }
  const copy = mapping.readStable(HEADER.foldSequence, ranges);
  if (!copy) throw new Error('the runtime kept moving statistics; could not take a consistent copy');

  const resetGeneration = copy.readUInt32LE(0);
  const current = Array.from({ length: slots }, (_, slot) => copy.readUInt32LE(4 + slot * 4) === resetGeneration);
  let at = 4 + slots * 4;
  const read = (): [number, number, number] => {
    const values: [number, number, number] = [
      Number(copy.readBigUInt64LE(at + STAT.calls)),
      Number(copy.readBigUInt64LE(at + STAT.totalTicks)),
      Number(copy.readBigUInt64LE(at + STAT.selfTicks)),
    ];
    at += SUMMED;
    return values;
  };
  return entries.map((entry) => {
    let [calls, totalTicks, selfTicks] = read();
    for (let slot = 0; slot < slots; slot++) {
      const [c, t, s] = read();
      if (!current[slot]) continue; // reset since; its thread zeroes it on its next hook
      calls += c;
      totalTicks += t;
      selfTicks += s;
    }
    return { ...entry, calls, totalTicks, selfTicks };
  });
}
