/**
 * Reads a Chrome trace written by `iprobe trace` back into timelines, so
 * that `iprobe report trace.json` and `--folded` work on saved traces.
 * Functions are known by name only, so each name gets a stand-in address.
 */
import { UserError } from '../../util/user-error.js';
import type { NameResolver } from '../symbols.js';
import type { Span, ThreadTimeline } from '../timeline.js';
import type { ChromeTrace, ChromeTraceEvent } from './chrome-trace.js';

export interface SavedTrace {
  timelines: ThreadTimeline[];
  resolve: NameResolver;
}

export function readChromeTrace(text: string, origin: string): SavedTrace {
  let trace: ChromeTrace;
  try {
    trace = JSON.parse(text) as ChromeTrace;
  } catch (err) {
    throw new UserError(`${origin} is not JSON: ${(err as Error).message}`);
  }
  if (!trace || !Array.isArray(trace.traceEvents)) {
    throw new UserError(`${origin} is not a Chrome trace (no traceEvents array)`, 'give a file written by iprobe trace');
  }
  const addressOf = new Map<string, number>();
  const names: string[] = [];
  const address = (name: string): number => {
    let a = addressOf.get(name);
    if (a === undefined) {
      a = names.length + 1;
      addressOf.set(name, a);
      names.push(name);
    }
    return a;
  };
  const threads = new Map<number, { timeline: ThreadTimeline; open: Span[] }>();
  const threadOf = (tid: number) => {
    let t = threads.get(tid);
    if (!t) threads.set(tid, (t = { timeline: { tid, roots: [], points: [] }, open: [] }));
    return t;
  };
  for (const e of trace.traceEvents as ChromeTraceEvent[]) {
    if (e.ph !== 'B' && e.ph !== 'E' && e.ph !== 'i') continue;
    const t = threadOf(e.tid);
    const ns = e.ts * 1000;
    if (e.ph === 'B') {
      const span: Span = { address: address(e.name), site: 0, depth: t.open.length, startNs: ns, endNs: ns, unwound: false, children: [] };
      (t.open.length ? t.open[t.open.length - 1]!.children : t.timeline.roots).push(span);
      t.open.push(span);
    } else if (e.ph === 'E') {
      const span = t.open.pop();
      if (span) span.endNs = Math.max(ns, span.startNs);
    } else {
      t.timeline.points.push({ site: address(e.name), ns, stack: t.open.map((s) => s.address) });
    }
  }
  return { timelines: [...threads.values()].map((t) => t.timeline), resolve: (a) => names[a - 1] };
}
