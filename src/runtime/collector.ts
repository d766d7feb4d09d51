/**
 * Drains a runtime's event rings on a timer, so that a busy program's rings
 * do not fill up between reads, and keeps the events until asked.
 */
import type { TickClock } from './clock.js';
import type { RuntimeEvent } from './events.js';
import type { RuntimeSegment } from './segment.js';
import type { TimedEvent } from './timeline.js';

export class TraceCollector {
  private readonly events: RuntimeEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly segment: RuntimeSegment,
    private readonly intervalMs = 10,
  ) {}

  start(): this {
    this.timer ??= setInterval(() => this.drainNow(), this.intervalMs);
    return this;
  }

  drainNow(): number {
    const drained = this.segment.drainEvents();
    for (const event of drained) this.events.push(event);
    return drained.length;
  }

  /** Stops the timer, drains what is left and returns everything collected. */
  stop(): RuntimeEvent[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drainNow();
    return this.events;
  }
}

/** Events with nanosecond times since the segment's anchor. */
export function timedEvents(events: readonly RuntimeEvent[], clock: TickClock): TimedEvent[] {
  return events.map(({ ticks, ...rest }) => ({ ...rest, ns: clock.sinceAnchorNs(ticks) }));
}
