/**
 * The controller's side of FPerf mode in a runtime segment: asking the
 * runtime's control thread for events, the per-function quotas and
 * sampled-once flags, and the runtime's FPerf status. The runtime and the
 * controller meet only here, in shared memory.
 */
import { UserError } from '../util/user-error.js';
import type { CounterBackend } from '../fperf/counter-backend.js';
import {
  CONTROL,
  COUNTER_BACKENDS,
  FPERF_BLOCK,
  FPERF_MAX_EVENTS,
  FPERF_NAME_SIZE,
  FPERF_STATES,
  FPERF_TEXT_SIZE,
  FPERF_THREAD_STATES,
  FUNCTION,
  FUNCTION_FPERF_SAMPLED,
  FUNCTION_SIZE,
  SLOT,
  SLOT_SIZE,
  SlotState,
  type FperfState,
} from './layout.js';
import { readFunctionTable, type FunctionEntry } from './function-table.js';
import { processRunning } from './process-info.js';
import { readFunctionSamples, readSampleCounts, type FunctionSampleCount, type FunctionSamples } from './fperf-table.js';
import type { RuntimeSegment } from './segment.js';

export interface FperfStatus {
  state: FperfState | `unknown(${number})`;
  request: number;
  answeredRequest: number;
  /** PAPI's error code of a failure, 0 when the failure was not PAPI's. */
  papiError: number;
  error: string;
  controlTid: number;
  setupNs: number;
  threadSets: number;
  threadSetFailures: number;
  threadSetNs: number;
  threadLimitDrops: number;
  depthDrops: number;
  lostSamples: number;
  readFailures: number;
  /** Samples not taken because the control thread had not opened the thread's counters yet. */
  notReadyDrops: number;
  /** Counter sets opened by a thread other than the runtime's control thread (a hook): the runtime promises 0. */
  offControlOpens: number;
  /** PAPI's text for the last per-thread failure. */
  threadError: string;
  /** The process's CPU time, recorded by the runtime when it exited normally. */
  exitCpu?: { userNs: number; systemNs: number };
}

export interface FperfThread {
  tid: number;
  state: (typeof FPERF_THREAD_STATES)[number] | `unknown(${number})`;
  papiError: number;
}

/** Longest wait for the control thread: dlopen and PAPI's first set-up take tens of milliseconds. */
/** How long a control thread may take to start before iprobe says there is none. */
const CONTROL_THREAD_START_MS = 3000;
const ANSWER_TIMEOUT_MS = 10_000;

/** The process ended before its runtime answered a request. */
export class TargetExitedError extends UserError {
  constructor(readonly pid: number) {
    super(`process ${pid} ended before its iprobe runtime set up the counters`);
    this.name = 'TargetExitedError';
  }
}

export class FperfControl {
  private readonly block: number;

  constructor(readonly segment: RuntimeSegment) {
    this.block = segment.header().fperfOffset;
  }

  status(): FperfStatus {
    const m = this.segment.mapping;
    const at = (field: number) => this.block + field;
    const n64 = (field: number) => Number(m.load64(at(field)));
    const stateValue = m.load32(at(FPERF_BLOCK.state));
    const status: FperfStatus = {
      state: FPERF_STATES[stateValue] ?? `unknown(${stateValue})`,
      request: m.load32(CONTROL.fperfRequest),
      answeredRequest: m.load32(at(FPERF_BLOCK.answeredRequest)),
      papiError: m.load32(at(FPERF_BLOCK.papiError)) | 0,
      error: this.text(FPERF_BLOCK.error, FPERF_TEXT_SIZE),
      controlTid: m.load32(at(FPERF_BLOCK.controlTid)),
      setupNs: n64(FPERF_BLOCK.setupNs),
      threadSets: n64(FPERF_BLOCK.threadSets),
      threadSetFailures: n64(FPERF_BLOCK.threadSetFailures),
      threadSetNs: n64(FPERF_BLOCK.threadSetNs),
      threadLimitDrops: n64(FPERF_BLOCK.threadLimitDrops),
      depthDrops: n64(FPERF_BLOCK.depthDrops),
      lostSamples: n64(FPERF_BLOCK.lostSamples),
      readFailures: n64(FPERF_BLOCK.readFailures),
      notReadyDrops: n64(FPERF_BLOCK.notReadyDrops),
      offControlOpens: n64(FPERF_BLOCK.offControlOpens),
      threadError: this.text(FPERF_BLOCK.threadError, FPERF_TEXT_SIZE),
    };
    if (m.load32(at(FPERF_BLOCK.exitRecorded))) {
      status.exitCpu = { userNs: n64(FPERF_BLOCK.exitUserNs), systemNs: n64(FPERF_BLOCK.exitSystemNs) };
    }
    return status;
  }

  /**
   * Asks the runtime to count `events` with `backend` and waits for its
   * answer. For PAPI the runtime loads libpapi on the first request and
   * translates the names in its own process; for the kernel it parses them
   * into perf_event attributes. Either way it opens a throw-away set with
   * them; its failure comes back as a UserError with the backend's text.
   */
  async configure(events: readonly string[], backend: CounterBackend, timeoutMs = ANSWER_TIMEOUT_MS): Promise<FperfStatus> {
    if (events.length < 1 || events.length > FPERF_MAX_EVENTS) {
      throw new UserError(`${events.length} events asked for; FPerf counts 1 to ${FPERF_MAX_EVENTS} at a time`);
    }
    const pid = this.segment.pid;
    // A process that has just started (or just loaded the runtime) may not
    // have scheduled its control thread yet, above all on a busy machine.
    const startDeadline = Date.now() + CONTROL_THREAD_START_MS;
    while (this.segment.mapping.load32(this.block + FPERF_BLOCK.controlTid) === 0 && Date.now() < startDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (this.segment.mapping.load32(this.block + FPERF_BLOCK.controlTid) === 0) {
      throw new UserError(
        `the iprobe runtime in process ${pid} has no control thread, so it cannot set up counters`,
        'it is a fork() child of the traced program (FPerf profiles the process that loaded the runtime), or its runtime failed to start the thread',
      );
    }
    const m = this.segment.mapping;
    const names = Buffer.alloc(FPERF_MAX_EVENTS * FPERF_NAME_SIZE);
    events.forEach((name, i) => {
      if (Buffer.byteLength(name) >= FPERF_NAME_SIZE) throw new UserError(`event name too long: ${name}`);
      names.write(name, i * FPERF_NAME_SIZE);
    });
    for (let offset = 0; offset < names.length; offset += 8) {
      m.store64(this.block + FPERF_BLOCK.eventNames + offset, names.readBigUInt64LE(offset));
    }
    m.store32(this.block + FPERF_BLOCK.eventCount, events.length);
    m.store32(this.block + FPERF_BLOCK.backend, COUNTER_BACKENDS.indexOf(backend));
    const request = m.add32(CONTROL.fperfRequest, 1) >>> 0;
    m.wake32(CONTROL.fperfRequest);
    const deadline = Date.now() + timeoutMs;
    while (m.load32(this.block + FPERF_BLOCK.answeredRequest) !== request) {
      // a program that ends while its control thread loads the counters (PAPI's set-up takes
      // tens of ms, more on a busy machine) will never answer: say so now, not at the deadline
      if (!processRunning(pid)) throw new TargetExitedError(pid);
      if (Date.now() > deadline) {
        throw new UserError(`the iprobe runtime in process ${pid} did not answer the FPerf request within ${timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const status = this.status();
    if (status.state !== 'ready') {
      throw new UserError(`process ${pid} cannot count ${events.join(', ')}: ${status.error || status.state}`);
    }
    return status;
  }

  /**
   * Starts a profiling session: quotas at zero, every function's
   * sampled-once flag cleared (so each gets its first sample again), and
   * sampled frames an earlier session left open are dropped by their threads.
   */
  beginSession(): void {
    const m = this.segment.mapping;
    for (const entry of this.functions()) {
      const at = this.segment.header().functionsOffset + entry.index * FUNCTION_SIZE;
      m.store64(at + FUNCTION.fperfQuota, 0n);
      m.store32(at + FUNCTION.flags, m.load32(at + FUNCTION.flags) & ~FUNCTION_FPERF_SAMPLED);
    }
    m.add32(CONTROL.fperfSession, 1);
  }

  functions(): FunctionEntry[] {
    return readFunctionTable(this.segment.mapping, this.segment.header());
  }

  /** The quota of functions that enter the table from now on (their first call). */
  setInitialQuota(quota: number): void {
    this.segment.mapping.store64(CONTROL.fperfInitialQuota, BigInt(Math.max(0, Math.floor(quota))));
  }

  /** Stores each function's quota (samples it may take until the next refill). */
  setQuotas(quotas: ReadonlyMap<number, number>): void {
    const m = this.segment.mapping;
    const functions = this.segment.header().functionsOffset;
    for (const [index, quota] of quotas) m.store64(functions + index * FUNCTION_SIZE + FUNCTION.fperfQuota, BigInt(Math.max(0, Math.floor(quota))));
    m.add32(CONTROL.fperfRefillGeneration, 1);
  }

  samples(): FunctionSamples[] {
    return readFunctionSamples(this.segment.mapping, this.segment.header());
  }

  sampleCounts(): FunctionSampleCount[] {
    return readSampleCounts(this.segment.mapping, this.segment.header());
  }

  /** FPerf state of the threads that hold a slot now. */
  threads(): FperfThread[] {
    const header = this.segment.header();
    const m = this.segment.mapping;
    const out: FperfThread[] = [];
    for (let slot = 0; slot < Math.min(header.slotsUsed, header.threadCapacity); slot++) {
      const at = header.slotsOffset + slot * SLOT_SIZE;
      if (m.load32(at + SLOT.state) !== SlotState.Live) continue;
      const state = m.load32(at + SLOT.fperfState);
      out.push({ tid: m.load32(at + SLOT.tid), state: FPERF_THREAD_STATES[state] ?? `unknown(${state})`, papiError: m.load32(at + SLOT.fperfError) | 0 });
    }
    return out;
  }

  private text(field: number, size: number): string {
    const bytes = this.segment.mapping.read(this.block + field, size);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end < 0 ? size : end).toString('utf8');
  }
}
