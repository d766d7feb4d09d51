/** Reading the FPerf rows: per-function calls, samples and counter sums, summed over threads. */
import type { ShmMapping } from '../native/shm.js';
import { readFunctionTable, type FunctionEntry } from './function-table.js';
import {
  CONTROL,
  FPERF_MAX_EVENTS,
  FPERF_ROW,
  FPERF_ROW_SIZE,
  HEADER,
  SLOT,
  SLOT_SIZE,
  STAT,
  STAT_SIZE,
  type SegmentHeader,
} from './layout.js';

export interface FunctionSamples extends FunctionEntry {
  calls: number;
  samples: number;
  /** Clock ticks the hooks spent taking this function's samples (reads and bookkeeping). */
  sampleTicks: number;
  /** Sums over the samples, one per configured event (FPERF_MAX_EVENTS long; the caller knows how many are used), less the reads' own counts. */
  inclusive: number[];
  /** Inclusive minus the nested sampled activations' inclusive counts; may be slightly negative for noisy events. */
  exclusive: number[];
}

/** Just what the quota refill needs, cheaper to copy. */
export interface FunctionSampleCount extends FunctionEntry {
  calls: number;
  samples: number;
}

/**
 * Sums every live thread's row and the retired row in one copy taken under
 * the fold seqlock (see readFunctionStats); rows of threads that have not
 * caught up with a reset are left out, as there.
 */
function readRows(
  mapping: ShmMapping,
  header: SegmentHeader,
  rowBytes: number,
): { entries: FunctionEntry[]; sum: (entry: number, add: (calls: number, row: Buffer, at: number) => void) => void } {
  const entries = readFunctionTable(mapping, header);
  const slots = Math.min(header.slotsUsed, header.threadCapacity);
  const ranges: [number, number][] = [[CONTROL.resetGeneration, 4]];
  for (let slot = 0; slot < slots; slot++) ranges.push([header.slotsOffset + slot * SLOT_SIZE + SLOT.statsGeneration, 4]);
  for (const { index } of entries) {
    ranges.push([header.retiredOffset + index * STAT_SIZE + STAT.calls, 8]);
    ranges.push([header.fperfRetiredOffset + index * FPERF_ROW_SIZE, rowBytes]);
    for (let slot = 0; slot < slots; slot++) {
      const cell = slot * header.functionCapacity + index;
      ranges.push([header.statsOffset + cell * STAT_SIZE + STAT.calls, 8]);
      ranges.push([header.fperfRowsOffset + cell * FPERF_ROW_SIZE, rowBytes]);
    }
  }
  const copy = mapping.readStable(HEADER.foldSequence, ranges);
  if (!copy) throw new Error('the runtime kept moving statistics; could not take a consistent copy');
  const resetGeneration = copy.readUInt32LE(0);
  const current = Array.from({ length: slots }, (_, slot) => copy.readUInt32LE(4 + slot * 4) === resetGeneration);
  const perEntry = (slots + 1) * (8 + rowBytes);
  const base = 4 + slots * 4;
  return {
    entries,
    sum: (entry, add) => {
      let at = base + entry * perEntry;
      for (let row = 0; row <= slots; row++, at += 8 + rowBytes) {
        if (row > 0 && !current[row - 1]) continue; // reset since; its thread zeroes it on its next hook
        add(Number(copy.readBigUInt64LE(at)), copy, at + 8);
      }
    },
  };
}

export function readFunctionSamples(mapping: ShmMapping, header: SegmentHeader): FunctionSamples[] {
  const { entries, sum } = readRows(mapping, header, FPERF_ROW_SIZE);
  return entries.map((entry, i) => {
    const out: FunctionSamples = {
      ...entry,
      calls: 0,
      samples: 0,
      sampleTicks: 0,
      inclusive: new Array<number>(FPERF_MAX_EVENTS).fill(0),
      exclusive: new Array<number>(FPERF_MAX_EVENTS).fill(0),
    };
    sum(i, (calls, row, at) => {
      out.calls += calls;
      out.samples += Number(row.readBigUInt64LE(at + FPERF_ROW.samples));
      out.sampleTicks += Number(row.readBigUInt64LE(at + FPERF_ROW.sampleTicks));
      for (let e = 0; e < FPERF_MAX_EVENTS; e++) {
        out.inclusive[e]! += Number(row.readBigInt64LE(at + FPERF_ROW.inclusive + 8 * e));
        out.exclusive[e]! += Number(row.readBigInt64LE(at + FPERF_ROW.exclusive + 8 * e));
      }
    });
    return out;
  });
}

export function readSampleCounts(mapping: ShmMapping, header: SegmentHeader): FunctionSampleCount[] {
  const { entries, sum } = readRows(mapping, header, 8);
  return entries.map((entry, i) => {
    const out: FunctionSampleCount = { ...entry, calls: 0, samples: 0 };
    sum(i, (calls, row, at) => {
      out.calls += calls;
      out.samples += Number(row.readBigUInt64LE(at + FPERF_ROW.samples));
    });
    return out;
  });
}
