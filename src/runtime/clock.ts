/**
 * Converts the runtime's ticks to nanoseconds. With the TSC clock the rate
 * is the runtime's own, measured against CLOCK_MONOTONIC at start (about
 * 1 ms) and refined by each of its checks (about once a second); before the
 * first check, a segment old enough gives a finer rate from its anchor pair
 * and a fresh pair read here. After a fall-back to CLOCK_MONOTONIC (the
 * runtime found the TSC drifting) the ticks are CLOCK_MONOTONIC scaled with
 * the stored rate, and the TSC here is not used at all. Runtimes that stored
 * no rate: the anchor pair, else a short measurement of our own.
 */
import { clockPair } from '../native/shm.js';
import type { SegmentHeader } from './layout.js';

export interface TickClock {
  /** Nanoseconds since the segment was created (the anchor). */
  sinceAnchorNs(ticks: bigint): number;
  /** A tick count (a duration) in nanoseconds. */
  durationNs(ticks: number): number;
  /** CLOCK_MONOTONIC nanoseconds of the anchor. */
  anchorNs: bigint;
  /** The tick count sinceAnchorNs measures from. */
  anchorTicks: bigint;
}

type ClockFields = Pick<
  SegmentHeader,
  'clock' | 'clockAnchorTicks' | 'clockAnchorNs' | 'clockSource' | 'clockTicksPerSecond' | 'clockChecks'
>;

const MIN_ANCHOR_AGE_NS = 200_000_000n;
const OWN_CALIBRATION_NS = 20_000_000n;
let ownTicksPerNs: number | undefined;

export function tickClock(header: ClockFields): TickClock {
  const anchorTicks = header.clockAnchorTicks;
  const anchorNs = header.clockAnchorNs;
  if (header.clock === 'monotonic') {
    return { anchorNs, anchorTicks, sinceAnchorNs: (t) => Number(t - anchorTicks), durationNs: (t) => t };
  }
  const ticksPerNs = tscTicksPerNs(header);
  return {
    anchorNs,
    anchorTicks,
    sinceAnchorNs: (t) => Number(t - anchorTicks) / ticksPerNs,
    durationNs: (t) => t / ticksPerNs,
  };
}

function tscTicksPerNs(header: ClockFields): number {
  const stored = Number(header.clockTicksPerSecond) / 1e9;
  if (stored > 0 && (header.clockSource === 'monotonic' || header.clockChecks > 0)) return stored;
  const now = clockPair();
  if (now.ns - header.clockAnchorNs >= MIN_ANCHOR_AGE_NS && now.ticks > header.clockAnchorTicks) {
    return Number(now.ticks - header.clockAnchorTicks) / Number(now.ns - header.clockAnchorNs);
  }
  if (stored > 0) return stored;
  return (ownTicksPerNs ??= calibrate());
}

function calibrate(): number {
  const start = clockPair();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let end = clockPair();
  while (end.ns - start.ns < OWN_CALIBRATION_NS) {
    Atomics.wait(pause, 0, 0, 5);
    end = clockPair();
  }
  return Number(end.ticks - start.ticks) / Number(end.ns - start.ns);
}

/**
 * Which clock the runtime reads and why, in one phrase: "tsc (2096.011 MHz,
 * the CPU has an invariant TSC; 3 checks, largest gap 10.8 µs)",
 * "monotonic (forced by IPROBE_CLOCK)", "monotonic in TSC ticks (fell back:
 * the TSC drifted from CLOCK_MONOTONIC, gap 4.1 ms)".
 */
export function describeClock(
  header: ClockFields & Pick<SegmentHeader, 'clockReason' | 'clockDeviationNs'>,
): string {
  const reason = header.clockReason ? `, ${header.clockReason}` : '';
  const gap = `${(header.clockDeviationNs / 1000).toFixed(1)} µs`;
  if (header.clock === 'monotonic') return `monotonic (clock_gettime${reason})`;
  const mhz = header.clockTicksPerSecond ? `${(Number(header.clockTicksPerSecond) / 1e6).toFixed(3)} MHz` : 'rate not recorded';
  if (header.clockSource === 'monotonic') return `monotonic in TSC ticks (fell back${reason}, gap ${gap}; ${mhz})`;
  const checks = header.clockChecks ? `; ${header.clockChecks} checks, largest gap ${gap}` : '';
  return `tsc (${mhz}${reason}${checks})`;
}
