/**
 * Converts the runtime's ticks to nanoseconds. With the TSC clock the rate
 * is measured against CLOCK_MONOTONIC: from the segment's anchor pair when
 * it is old enough to give a precise rate, else over a short wait here.
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

const MIN_ANCHOR_AGE_NS = 200_000_000n;
const OWN_CALIBRATION_NS = 20_000_000n;
let ownTicksPerNs: number | undefined;

export function tickClock(header: Pick<SegmentHeader, 'clock' | 'clockAnchorTicks' | 'clockAnchorNs'>): TickClock {
  const anchorTicks = header.clockAnchorTicks;
  const anchorNs = header.clockAnchorNs;
  if (header.clock === 'monotonic') {
    return { anchorNs, anchorTicks, sinceAnchorNs: (t) => Number(t - anchorTicks), durationNs: (t) => t };
  }
  const ticksPerNs = tscTicksPerNs(anchorTicks, anchorNs);
  return {
    anchorNs,
    anchorTicks,
    sinceAnchorNs: (t) => Number(t - anchorTicks) / ticksPerNs,
    durationNs: (t) => t / ticksPerNs,
  };
}

function tscTicksPerNs(anchorTicks: bigint, anchorNs: bigint): number {
  const now = clockPair();
  if (now.ns - anchorNs >= MIN_ANCHOR_AGE_NS && now.ticks > anchorTicks) {
    return Number(now.ticks - anchorTicks) / Number(now.ns - anchorNs);
  }
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
