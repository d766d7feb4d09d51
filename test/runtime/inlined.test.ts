import { expect, it } from 'vitest';
import { Fixture, compileFixture, symbolAddresses, trackFixtures } from './helpers.js';

// An inlined instrumented function calls its hooks from its caller's frame:
// the shadow stack must not take the caller for a frame longjmp left behind.
it('counts and times functions gcc inlined into their callers', async () => {
  const running = trackFixtures();
  const exe = compileFixture('inlined.c');
  const fixture = Fixture.start(exe, [], 'count');
  running.push(fixture);
  await fixture.line(/^ready/);
  const segment = fixture.open();
  const bias = Number(segment.header().exeLoadBias);
  const symbols = symbolAddresses(exe);
  const stats = new Map(segment.functionStats().map((s) => [s.address - bias, s]));
  const sumSquares = stats.get(symbols.get('sum_squares')!)!;
  const square = stats.get(symbols.get('square')!)!;
  expect(sumSquares.calls).toBe(200);
  expect(square.calls).toBe(200_000);
  // square's time lies inside sum_squares'.
  expect(sumSquares.totalTicks).toBeGreaterThanOrEqual(square.totalTicks);
  expect(sumSquares.selfTicks).toBeLessThanOrEqual(sumSquares.totalTicks - square.totalTicks);
  const counters = segment.counters();
  expect(counters.unwoundFrames).toBe(0);
  expect(counters.unmatchedExits).toBe(0);
  segment.close();
});
