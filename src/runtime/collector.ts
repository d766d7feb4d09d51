/**
 * Drains a runtime's event rings on a timer, so that a busy program's rings
 * do not fill up between reads, and keeps the events until asked. While
 * collecting it only copies the rings' bytes (cheap); decoding waits for
 * stop(), so that a program producing events at full speed cannot starve
 * the rest of iprobe's work, the switch-off above all.
 */
import type { TickClock } from './clock.js';
import { EVENT_SIZE } from './layout.js';
import { decodeEvents, decodeTimedEvents, type RuntimeEvent } from './events.js';
import type { RuntimeSegment } from './segment.js';
import type { TimedEvent } from './timeline.js';

export interface CollectorOptions {
  intervalMs?: number;
  /** Stop keeping events after this many; `full` turns true and onFull is called. */
  maxEvents?: number;
  /** Events taken from one thread per timer tick (the rings drop, and count, what does not fit). */
  perThreadPerDrain?: number;
  onFull?: () => void;
}

export class TraceCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly options: Required<Omit<CollectorOptions, 'onFull' | 'perThreadPerDrain'>> &
    Pick<CollectorOptions, 'onFull' | 'perThreadPerDrain'>;
  full = false;

  constructor(
    private readonly segment: RuntimeSegment,
    options: CollectorOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.options = { intervalMs: 10, maxEvents: Infinity, ...o };
  }

  start(): this {
    this.timer ??= setInterval(() => this.drainNow(this.options.perThreadPerDrain), this.options.intervalMs);
    return this;
  }

  /** Copies pending events out of the rings; returns how many were taken. */
  drainNow(maxPerThread?: number): number {
    if (this.full) return 0;
    let taken = 0;
    for (const chunk of this.segment.drainRawEvents(maxPerThread)) {
      const room = (this.options.maxEvents - this.kept) * EVENT_SIZE;
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      if (kept.length > 0) this.chunks.push(kept);
      this.kept += kept.length / EVENT_SIZE;
      taken += chunk.length / EVENT_SIZE;
    }
    if (this.kept >= this.options.maxEvents) {
      this.full = true;
      this.options.onFull?.();
    }
    return taken;
  }

  /** Stops the timer, drains what is left and returns everything collected. */
  stop(): RuntimeEvent[] {
    this.finish();
    const events: RuntimeEvent[] = [];
    for (const chunk of this.chunks) for (const event of decodeEvents(chunk)) events.push(event);
    return events;
  }

  /** stop(), with times in nanoseconds since the clock's anchor (faster for large traces). */
  stopTimed(clock: TickClock): TimedEvent[] {
    this.finish();
    const events: TimedEvent[] = [];
    for (const chunk of this.chunks) {
      for (const event of decodeTimedEvents(chunk, clock.anchorTicks, clock.durationNs)) events.push(event);
    }
    return events;
  }

  private finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drainNow();
  }
}

/** Events with nanosecond times since the segment's anchor. */
export function timedEvents(events: readonly RuntimeEvent[], clock: TickClock): TimedEvent[] {
  return events.map(({ ticks, ...rest }) => ({ ...rest, ns: clock.sinceAnchorNs(ticks) }));
}
