/**
 * Chrome Trace Event format (also read by Perfetto): one B/E pair per span,
 * emitted depth-first so that they nest per thread by construction, "i"
 * instant events for IPROBE_POINT hits, and thread-name metadata.
 */
import { hexAddress, nameOf, type NameResolver } from '../symbols.js';
import { walkSpans, type ThreadTimeline } from '../timeline.js';

export interface ChromeTraceEvent {
  name: string;
  ph: 'B' | 'E' | 'i' | 'M';
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  s?: 't';
  args?: Record<string, string | number | boolean>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, string | number>;
}

export interface ChromeTraceOptions {
  pid: number;
  resolve?: NameResolver;
  otherData?: Record<string, string | number>;
}

const usFromNs = (ns: number): number => Math.round(ns) / 1000;

export function toChromeTrace(timelines: readonly ThreadTimeline[], options: ChromeTraceOptions): ChromeTrace {
  const { pid, resolve } = options;
  const traceEvents: ChromeTraceEvent[] = [];
  for (const thread of timelines) {
    const tid = thread.tid;
    traceEvents.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: `tid ${tid}` } });
    const emit = (spans: ThreadTimeline['roots']): void => {
      for (const span of spans) {
        const name = nameOf(resolve, span.address);
        traceEvents.push({ name, ph: 'B', ts: usFromNs(span.startNs), pid, tid, cat: 'function', args: { site: hexAddress(span.site) } });
        emit(span.children);
        traceEvents.push({
          name,
          ph: 'E',
          ts: usFromNs(span.endNs),
          pid,
          tid,
          cat: 'function',
          ...(span.unwound ? { args: { unwound: true } } : {}),
        });
      }
    };
    emit(thread.roots);
    for (const point of thread.points) {
      traceEvents.push({ name: nameOf(resolve, point.site), ph: 'i', s: 't', ts: usFromNs(point.ns), pid, tid, cat: 'point' });
    }
  }
  return { traceEvents, displayTimeUnit: 'ns', otherData: { producer: 'iprobe', ...options.otherData } };
}

/** Number of spans in the timelines (what toChromeTrace emits as B/E pairs). */
export function countSpans(timelines: readonly ThreadTimeline[]): number {
  let n = 0;
  for (const thread of timelines) walkSpans(thread.roots, () => n++);
  return n;
}
