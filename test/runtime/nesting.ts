import { expect } from 'vitest';
import type { ChromeTrace } from '../../src/runtime/export/chrome-trace.js';

/** Checks that B/E events nest per thread (stack discipline, same names, time never going back); returns B counts per tid. */
export function expectProperNesting(trace: ChromeTrace): Map<number, number> {
  const stacks = new Map<number, { name: string; ts: number }[]>();
  const begins = new Map<number, number>();
  const lastTs = new Map<number, number>();
  for (const event of trace.traceEvents) {
    if (event.ph !== 'B' && event.ph !== 'E') continue;
    const stack = stacks.get(event.tid) ?? [];
    stacks.set(event.tid, stack);
    expect(event.ts).toBeGreaterThanOrEqual(lastTs.get(event.tid) ?? -Infinity);
    lastTs.set(event.tid, event.ts);
    if (event.ph === 'B') {
      stack.push({ name: event.name, ts: event.ts });
      begins.set(event.tid, (begins.get(event.tid) ?? 0) + 1);
    } else {
      const open = stack.pop();
      expect(open?.name).toBe(event.name);
    }
  }
  for (const stack of stacks.values()) expect(stack).toHaveLength(0);
  return begins;
}
