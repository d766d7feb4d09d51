import { beforeAll, describe, expect, it } from 'vitest';
import { timedEvents } from '../../src/runtime/collector.js';
import { buildTimelines, selfNs, walkSpans } from '../../src/runtime/timeline.js';
import { Fixture, compileFixture, symbolAddresses, trackFixtures } from './helpers.js';

/** Exit hooks that longjmp and exceptions skip must not corrupt the shadow stack. */
// gcc runs exit hooks from the cleanup pads while an exception unwinds, so
// with C++ nothing is skipped; longjmp skips them for real.
describe.each([
  ['longjmp', 'unwind.c', true],
  ['C++ exceptions', 'exception.cc', false],
])('shadow stack across %s', (_what, source, skipsExitHooks) => {
  let exe: string;
  const running = trackFixtures();
  beforeAll(() => {
    exe = compileFixture(source);
  });

  it('keeps count-mode times consistent (self <= total, nothing absurd)', async () => {
    const started = Date.now();
    const fixture = Fixture.start(exe, ['300'], 'count');
    running.push(fixture);
    await fixture.line(/^ready/);
    const wallNs = (Date.now() - started) * 1e6;
    const segment = fixture.open();
    const clock = segment.clock();
    const stats = segment.functionStats();
    expect(stats.length).toBeGreaterThan(3);
    for (const s of stats) {
      expect(s.selfTicks).toBeLessThanOrEqual(s.totalTicks);
      expect(clock.durationNs(s.totalTicks)).toBeLessThan(wallNs + 1e6);
    }
    const counters = segment.counters();
    if (skipsExitHooks) expect(counters.unwoundFrames).toBeGreaterThan(0); // the skipped frames were noticed and closed
    expect(counters.unmatchedExits).toBe(0);
    segment.close();
  });

  it('returns to the right depth: the trace nests and after_unwind runs at depth 2', async () => {
    const fixture = Fixture.start(exe, ['50'], 'trace', { IPROBE_RING_EVENTS: String(1 << 18) });
    running.push(fixture);
    await fixture.line(/^ready/);
    const segment = fixture.open();
    const events = timedEvents(segment.drainEvents(), segment.clock());
    const bias = Number(segment.header().exeLoadBias);
    const symbols = symbolAddresses(exe);
    const address = (name: string) => symbols.get(name)! + bias;
    const afterEntry = events.find((e) => e.kind === 'entry' && e.function === address('after_unwind'));
    expect(afterEntry?.depth).toBe(2); // main is 1
    const [thread] = buildTimelines(events);
    expect(thread!.roots.map((s) => s.address)).toEqual([address('main')]);
    const main = thread!.roots[0]!;
    expect(main.unwound).toBe(true); // still running when drained: closed by the reader
    walkSpans(thread!.roots, (span) => {
      expect(span.endNs).toBeGreaterThanOrEqual(span.startNs);
      expect(selfNs(span)).toBeGreaterThanOrEqual(0);
    });
    expect(segment.counters().ringFullDrops).toBe(0);
    const unwoundExits = events.filter((e) => e.kind === 'exit' && e.unwound);
    if (skipsExitHooks) expect(unwoundExits.length).toBeGreaterThan(0);
    segment.close();
  });
});

describe('shadow stack across recursion', () => {
  it('counts the outermost activation of a recursive function once in total time', async () => {
    const exe = compileFixture('unwind.c');
    const fixture = Fixture.start(exe, ['0'], 'count');
    try {
      await fixture.line(/^ready/);
      const segment = fixture.open();
      const bias = Number(segment.header().exeLoadBias);
      const addresses = symbolAddresses(exe);
      const stats = segment.functionStats();
      const fib = stats.find((s) => s.address === addresses.get('fib')! + bias)!;
      expect(fib.calls).toBe(2 * 4181 - 1 + (2 * 8 - 1)); // fib(18) and fib(5) call trees
      // nearly all of fib's time is its own; summed over every level of the
      // recursion its total would be many times its self time
      expect(fib.selfTicks).toBeLessThanOrEqual(fib.totalTicks);
      expect(fib.totalTicks).toBeLessThan(2 * fib.selfTicks);
      segment.close();
    } finally {
      await fixture.kill();
    }
  });
});
