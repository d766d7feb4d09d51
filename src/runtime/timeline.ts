/**
 * Turns each thread's event stream into properly nested spans. The stream
 * can have gaps (a full ring drops events, a mode switch starts or stops
 * recording mid-call), so nesting is rebuilt from the depth every event
 * carries: an entry at depth d closes whatever is still open at depth >= d,
 * an exit closes what is open below its own frame. Every span ends up closed.
 */
import type { RuntimeEvent } from './events.js';

export interface Span {
  address: number;
  site: number;
  depth: number;
  startNs: number;
  endNs: number;
  /** Ended by a made-up exit (longjmp, exception, thread exit) or closed here for lack of one. */
  unwound: boolean;
  children: Span[];
}

export interface PointHit {
  site: number;
  ns: number;
  /** Addresses of the open spans, outermost first. */
  stack: number[];
}

export interface ThreadTimeline {
  tid: number;
  /** Outermost spans, in start order. */
  roots: Span[];
  points: PointHit[];
}

export interface TimedEvent extends Omit<RuntimeEvent, 'ticks'> {
  ns: number;
}

export function buildTimelines(events: readonly TimedEvent[]): ThreadTimeline[] {
  const byThread = new Map<number, TimedEvent[]>();
  for (const event of events) {
    let list = byThread.get(event.tid);
    if (!list) byThread.set(event.tid, (list = []));
    list.push(event);
  }
  return [...byThread].map(([tid, list]) => buildThread(tid, list));
}

function buildThread(tid: number, events: TimedEvent[]): ThreadTimeline {
  const timeline: ThreadTimeline = { tid, roots: [], points: [] };
  const open: Span[] = [];
  let lastNs = -Infinity;
  const close = (ns: number, unwound: boolean): void => {
    const span = open.pop()!;
    span.endNs = Math.max(ns, span.startNs);
    span.unwound ||= unwound;
  };
  for (const event of events) {
    const ns = Math.max(event.ns, lastNs); // never let a thread's clock run backwards
    lastNs = ns;
    if (event.kind === 'entry') {
      while (open.length && open[open.length - 1]!.depth >= event.depth) close(ns, true);
      const span: Span = {
        address: event.function,
        site: event.site,
        depth: event.depth,
        startNs: ns,
        endNs: ns,
        unwound: false,
        children: [],
      };
      (open.length ? open[open.length - 1]!.children : timeline.roots).push(span);
      open.push(span);
    } else if (event.kind === 'exit') {
      while (open.length && open[open.length - 1]!.depth > event.depth) close(ns, true);
      const top = open[open.length - 1];
      if (top && top.depth === event.depth && top.address === event.function) close(ns, event.unwound);
    } else {
      timeline.points.push({ site: event.site, ns, stack: open.map((span) => span.address) });
    }
  }
  while (open.length) close(lastNs, true);
  return timeline;
}

/** Self time: the span's time minus its children's. */
export function selfNs(span: Span): number {
  let children = 0;
  for (const child of span.children) children += child.endNs - child.startNs;
  return Math.max(0, span.endNs - span.startNs - children);
}

/** Visits spans depth-first, parents before children, with the stack of ancestors. */
export function walkSpans(roots: readonly Span[], visit: (span: Span, ancestors: readonly Span[]) => void): void {
  const ancestors: Span[] = [];
  const walk = (spans: readonly Span[]): void => {
    for (const span of spans) {
      visit(span, ancestors);
      ancestors.push(span);
      walk(span.children);
      ancestors.pop();
    }
  };
  walk(roots);
}
