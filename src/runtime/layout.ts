/**
 * The reader's copy of the runtime's shared-memory layout, version 2
 * (native/runtime/layout.h is the source; test/runtime/layout.test.ts
 * compiles it and checks every offset below).
 */
export const SEGMENT_MAGIC = 0x314d485342525049n; // "IPRBSHM1"
export const LAYOUT_VERSION = 2;
export const SEGMENT_DIR = '/dev/shm';
export const SEGMENT_PREFIX = 'iprobe.';

export const HEADER = {
  magic: 0,
  version: 8,
  headerSize: 12,
  pid: 16,
  uid: 20,
  processStartTime: 24,
  processState: 32,
  clock: 36,
  clockAnchorTicks: 40,
  clockAnchorNs: 48,
  exeLoadBias: 56,
  totalSize: 64,
  functionCapacity: 72,
  threadCapacity: 76,
  ringCapacity: 80,
  functionSize: 84,
  statSize: 88,
  slotSize: 92,
  eventSize: 96,
  clockSource: 100,
  functionsOffset: 104,
  retiredOffset: 112,
  slotsOffset: 120,
  statsOffset: 128,
  ringsOffset: 136,
  functionCount: 144,
  slotsUsed: 148,
  foldSequence: 152,
  clockReason: 156,
  threadsAttached: 160,
  threadsExited: 168,
  functionsDropped: 176,
  reentrantDrops: 184,
  slotlessDrops: 192,
  unmatchedExits: 200,
  unwoundFrames: 208,
  shadowOverflows: 216,
  uninitializedDrops: 224,
  exeDevice: 232,
  exeInode: 240,
  exeStartStack: 248,
  clockTicksPerSecond: 256,
  clockDeviationNs: 264,
  fperfOffset: 272,
  fperfRetiredOffset: 280,
  fperfRowsOffset: 288,
  fperfRowSize: 296,
  fperfMaxEvents: 300,
  clockChecks: 304,
  control: 320,
} as const;
export const HEADER_SIZE = 384;

export const CONTROL = {
  mode: 320,
  resetGeneration: 324,
  fperfRefillGeneration: 328,
  fperfRequest: 332,
  fperfSession: 336,
  fperfInitialQuota: 344,
} as const;

export const SLOT = {
  state: 0,
  tid: 4,
  generation: 8,
  statsGeneration: 12,
  writeIndex: 16,
  dropped: 24,
  fperfState: 32,
  fperfError: 36,
  readIndex: 64,
} as const;
export const SLOT_SIZE = 128;

export const FUNCTION = { address: 0, kind: 8, flags: 12, fperfQuota: 16 } as const;
export const FUNCTION_SIZE = 64;
/** FUNCTION.flags bit: sampled at least once since the controller cleared it. */
export const FUNCTION_FPERF_SAMPLED = 1;

export const FPERF_MAX_EVENTS = 8;
export const FPERF_NAME_SIZE = 64;
export const FPERF_TEXT_SIZE = 256;

/** struct iprobe_fperf_block, relative to header.fperfOffset. */
export const FPERF_BLOCK = {
  eventCount: 0,
  /** enum iprobe_counter_backend: COUNTER_BACKENDS */
  backend: 4,
  eventNames: 8,
  state: 520,
  answeredRequest: 524,
  papiError: 528,
  papiVersion: 532,
  controlTid: 536,
  configuration: 540,
  error: 544,
  setupNs: 800,
  threadSets: 808,
  threadSetFailures: 816,
  threadSetNs: 824,
  threadLimitDrops: 832,
  depthDrops: 840,
  lostSamples: 848,
  readFailures: 856,
  notReadyDrops: 864,
  offControlOpens: 872,
  threadError: 896,
  exitUserNs: 1152,
  exitSystemNs: 1160,
  exitRecorded: 1168,
} as const;
export const FPERF_BLOCK_SIZE = 1176;

/** struct iprobe_fperf_row: inclusive[e] at inclusive + 8e, exclusive (signed) likewise. */
export const FPERF_ROW = { samples: 0, sampleTicks: 8, inclusive: 16, exclusive: 80 } as const;
export const FPERF_ROW_SIZE = 144;

/** enum iprobe_counter_backend, by value. */
export const COUNTER_BACKENDS = ['papi', 'kernel'] as const;

export const FPERF_STATES = ['idle', 'loading', 'ready', 'failed'] as const;
export type FperfState = (typeof FPERF_STATES)[number];
export const FPERF_THREAD_STATES = ['none', 'counting', 'failed', 'limited', 'waiting'] as const;

export const STAT = { calls: 0, totalTicks: 8, selfTicks: 16, active: 24 } as const;
export const STAT_SIZE = 32;

export const EVENT = { ticks: 0, function: 8, site: 16, tid: 24, kind: 28, flags: 29, depth: 30 } as const;
export const EVENT_SIZE = 32;

export const MODES = ['off', 'count', 'trace', 'fperf', 'calls'] as const;
export type Mode = (typeof MODES)[number];

export const enum ClockKind {
  Tsc = 1,
  Monotonic = 2,
}

/** enum iprobe_clock_source, by value: what the runtime's hooks read now. */
export const CLOCK_SOURCES = [undefined, 'tsc', 'monotonic'] as const;

/** enum iprobe_clock_reason, by value: why they read it. */
export const CLOCK_REASONS = [
  undefined,
  'the CPU has an invariant TSC',
  'forced by IPROBE_CLOCK',
  'the CPU has no invariant TSC',
  'the TSC drifted from CLOCK_MONOTONIC',
] as const;

export const enum ProcessState {
  Running = 1,
  Exited = 2,
}

export const enum FunctionKind {
  Empty = 0,
  Code = 1,
  Point = 2,
}

export const enum SlotState {
  Free = 0,
  Live = 1,
  Exited = 2,
  Claiming = 3,
}

export const enum EventKind {
  Entry = 1,
  Exit = 2,
  Point = 3,
}

export const EVENT_FLAG_UNWOUND = 1;

/** Counters of events the runtime could not record, or records it repaired. */
export interface RuntimeCounters {
  threadsAttached: number;
  threadsExited: number;
  functionsDropped: number;
  reentrantDrops: number;
  slotlessDrops: number;
  unmatchedExits: number;
  unwoundFrames: number;
  shadowOverflows: number;
  uninitializedDrops: number;
  /** Events dropped because a thread's ring was full (sum over slots). */
  ringFullDrops: number;
}

export interface SegmentHeader {
  version: number;
  pid: number;
  uid: number;
  processStartTime: bigint;
  exited: boolean;
  clock: 'tsc' | 'monotonic';
  clockAnchorTicks: bigint;
  clockAnchorNs: bigint;
  exeLoadBias: bigint;
  /** The program the segment belongs to (0n: an older runtime did not record it). */
  exe: { device: bigint; inode: bigint; startStack: bigint };
  /** What the hooks read now, and why; undefined from an older runtime. */
  clockSource?: 'tsc' | 'monotonic';
  clockReason?: string;
  /** Calibrated TSC ticks per second of CLOCK_MONOTONIC (0: not recorded). */
  clockTicksPerSecond: bigint;
  /** Checks of the TSC against CLOCK_MONOTONIC, and the largest confirmed gap one saw. */
  clockChecks: number;
  clockDeviationNs: number;
  totalSize: number;
  functionCapacity: number;
  threadCapacity: number;
  ringCapacity: number;
  functionsOffset: number;
  retiredOffset: number;
  slotsOffset: number;
  statsOffset: number;
  ringsOffset: number;
  fperfOffset: number;
  fperfRetiredOffset: number;
  fperfRowsOffset: number;
  functionCount: number;
  slotsUsed: number;
  mode: Mode | `unknown(${number})`;
  resetGeneration: number;
  counters: Omit<RuntimeCounters, 'ringFullDrops'>;
}

/** Why a header was refused. */
export type LayoutProblem = 'not-iprobe' | 'unknown-version' | 'inconsistent';

export class LayoutError extends Error {
  constructor(
    readonly problem: LayoutProblem,
    message: string,
    readonly version?: number,
  ) {
    super(message);
  }
}

/** Parses and validates a header copied from a segment of `fileSize` bytes. */
export function parseHeader(buf: Buffer, fileSize: number): SegmentHeader {
  if (buf.length < HEADER.headerSize + 4 || buf.readBigUInt64LE(HEADER.magic) !== SEGMENT_MAGIC) {
    throw new LayoutError('not-iprobe', 'no iprobe magic');
  }
  const version = buf.readUInt32LE(HEADER.version);
  if (version !== LAYOUT_VERSION) {
    throw new LayoutError('unknown-version', `layout version ${version}, this iprobe reads ${LAYOUT_VERSION}`, version);
  }
  if (buf.length < HEADER_SIZE) throw new LayoutError('inconsistent', 'header truncated');
  const u32 = (o: number): number => buf.readUInt32LE(o);
  const u64 = (o: number): bigint => buf.readBigUInt64LE(o);
  const n64 = (o: number): number => Number(buf.readBigUInt64LE(o));
  const modeValue = u32(CONTROL.mode);
  const header: SegmentHeader = {
    version,
    pid: u32(HEADER.pid),
    uid: u32(HEADER.uid),
    processStartTime: u64(HEADER.processStartTime),
    exited: u32(HEADER.processState) === ProcessState.Exited,
    clock: u32(HEADER.clock) === ClockKind.Tsc ? 'tsc' : 'monotonic',
    clockAnchorTicks: u64(HEADER.clockAnchorTicks),
    clockAnchorNs: u64(HEADER.clockAnchorNs),
    exeLoadBias: u64(HEADER.exeLoadBias),
    exe: { device: u64(HEADER.exeDevice), inode: u64(HEADER.exeInode), startStack: u64(HEADER.exeStartStack) },
    clockSource: CLOCK_SOURCES[u32(HEADER.clockSource)],
    clockReason: CLOCK_REASONS[u32(HEADER.clockReason)],
    clockTicksPerSecond: u64(HEADER.clockTicksPerSecond),
    clockChecks: n64(HEADER.clockChecks),
    clockDeviationNs: n64(HEADER.clockDeviationNs),
    totalSize: n64(HEADER.totalSize),
    functionCapacity: u32(HEADER.functionCapacity),
    threadCapacity: u32(HEADER.threadCapacity),
    ringCapacity: u32(HEADER.ringCapacity),
    functionsOffset: n64(HEADER.functionsOffset),
    retiredOffset: n64(HEADER.retiredOffset),
    slotsOffset: n64(HEADER.slotsOffset),
    statsOffset: n64(HEADER.statsOffset),
    ringsOffset: n64(HEADER.ringsOffset),
    fperfOffset: n64(HEADER.fperfOffset),
    fperfRetiredOffset: n64(HEADER.fperfRetiredOffset),
    fperfRowsOffset: n64(HEADER.fperfRowsOffset),
    functionCount: u32(HEADER.functionCount),
    slotsUsed: u32(HEADER.slotsUsed),
    mode: MODES[modeValue] ?? `unknown(${modeValue})`,
    resetGeneration: u32(CONTROL.resetGeneration),
    counters: {
      threadsAttached: n64(HEADER.threadsAttached),
      threadsExited: n64(HEADER.threadsExited),
      functionsDropped: n64(HEADER.functionsDropped),
      reentrantDrops: n64(HEADER.reentrantDrops),
      slotlessDrops: n64(HEADER.slotlessDrops),
      unmatchedExits: n64(HEADER.unmatchedExits),
      unwoundFrames: n64(HEADER.unwoundFrames),
      shadowOverflows: n64(HEADER.shadowOverflows),
      uninitializedDrops: n64(HEADER.uninitializedDrops),
    },
  };
  checkGeometry(buf, header, fileSize);
  return header;
}

function checkGeometry(buf: Buffer, h: SegmentHeader, fileSize: number): void {
  const sizes: [string, number, number][] = [
    ['header', buf.readUInt32LE(HEADER.headerSize), HEADER_SIZE],
    ['function entry', buf.readUInt32LE(HEADER.functionSize), FUNCTION_SIZE],
    ['stat entry', buf.readUInt32LE(HEADER.statSize), STAT_SIZE],
    ['thread slot', buf.readUInt32LE(HEADER.slotSize), SLOT_SIZE],
    ['event', buf.readUInt32LE(HEADER.eventSize), EVENT_SIZE],
    ['fperf row', buf.readUInt32LE(HEADER.fperfRowSize), FPERF_ROW_SIZE],
    ['fperf event limit', buf.readUInt32LE(HEADER.fperfMaxEvents), FPERF_MAX_EVENTS],
  ];
  for (const [what, found, expected] of sizes) {
    if (found !== expected) throw new LayoutError('inconsistent', `${what} size ${found}, expected ${expected}`);
  }
  const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
  const regions: [number, number][] = [
    [h.functionsOffset, h.functionCapacity * FUNCTION_SIZE],
    [h.retiredOffset, h.functionCapacity * STAT_SIZE],
    [h.slotsOffset, h.threadCapacity * SLOT_SIZE],
    [h.statsOffset, h.threadCapacity * h.functionCapacity * STAT_SIZE],
    [h.ringsOffset, h.threadCapacity * h.ringCapacity * EVENT_SIZE],
    [h.fperfOffset, FPERF_BLOCK_SIZE],
    [h.fperfRetiredOffset, h.functionCapacity * FPERF_ROW_SIZE],
    [h.fperfRowsOffset, h.threadCapacity * h.functionCapacity * FPERF_ROW_SIZE],
  ];
  const fits = regions.every(([offset, length]) => offset >= HEADER_SIZE && offset + length <= h.totalSize);
  if (!isPowerOfTwo(h.functionCapacity) || !isPowerOfTwo(h.ringCapacity) || !fits || h.totalSize > fileSize) {
    throw new LayoutError('inconsistent', 'geometry does not fit the segment');
  }
}
