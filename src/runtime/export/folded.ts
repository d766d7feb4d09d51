/**
 * Folded stacks for flame graphs (flamegraph.pl, speedscope, inferno):
 * one line per distinct call path, `outer;inner;leaf VALUE`, where VALUE is
 * the self time spent at that path in nanoseconds (or the number of calls).
 */
import { nameOf, type NameResolver } from '../symbols.js';
import { selfNs, walkSpans, type ThreadTimeline } from '../timeline.js';

export interface FoldedOptions {
  resolve?: NameResolver;
  value?: 'self-ns' | 'calls';
  /** Prefix each stack with the thread ("tid 123"). */
  perThread?: boolean;
}

export function toFoldedStacks(timelines: readonly ThreadTimeline[], options: FoldedOptions = {}): string {
  const totals = new Map<string, number>();
  // ';' separates frames in this format; a name containing one would split a frame
  const frame = (address: number): string => nameOf(options.resolve, address).replaceAll(';', ':');
  for (const thread of timelines) {
    walkSpans(thread.roots, (span, ancestors) => {
      const path = [...ancestors.map((a) => frame(a.address)), frame(span.address)];
      if (options.perThread) path.unshift(`tid ${thread.tid}`);
      const key = path.join(';');
      const value = options.value === 'calls' ? 1 : Math.round(selfNs(span));
      totals.set(key, (totals.get(key) ?? 0) + value);
    });
  }
  return [...totals]
    .filter(([, value]) => value > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key} ${value}\n`)
    .join('');
}
