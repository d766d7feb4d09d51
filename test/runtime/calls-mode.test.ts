import { beforeAll, describe, expect, it } from 'vitest';
import { Fixture, callsByName, compileFixture, trackFixtures } from './helpers.js';

describe('calls mode (calls only: no clock, no shadow stack)', () => {
  let threads: string;
  const running = trackFixtures();
  beforeAll(() => {
    threads = compileFixture('threads.c');
  });

  it('counts every call of 8 threads exactly and records no time', async () => {
    const fixture = Fixture.start(threads, ['8', '200000'], 'calls');
    running.push(fixture);
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const segment = fixture.open();
    expect(segment.mode()).toBe('calls');
    const calls = callsByName(segment, threads);
    expect(calls.get('work_a')).toBe(Number(a));
    expect(calls.get('work_b')).toBe(Number(b));
    expect(calls.get('worker')).toBe(8);
    const stats = segment.functionStats().filter((f) => f.calls > 0);
    expect(stats.every((f) => f.totalTicks === 0 && f.selfTicks === 0)).toBe(true);
    const counters = segment.counters();
    expect(counters.reentrantDrops + counters.functionsDropped + counters.unmatchedExits + counters.unwoundFrames).toBe(0);
    segment.close();
    expect(await fixture.finish()).toEqual({ code: 0, signal: null });
  });

  it('switches to count mode while running and times from then on', async () => {
    const fixture = Fixture.start(threads, ['2', '3000000', 'wait'], 'calls');
    running.push(fixture);
    await fixture.line(/^waiting/);
    const segment = fixture.open();
    const counted = fixture.ask('go', /^counted/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    segment.setMode('count');
    await counted;
    const timed = segment.functionStats().filter((f) => f.totalTicks > 0);
    expect(timed.length).toBeGreaterThan(0);
    // Activations entered before the switch (main, worker, the work_* running then) exit without a frame.
    expect(segment.counters().unmatchedExits).toBeLessThanOrEqual(7);
    expect(timed.every((f) => f.selfTicks <= f.totalTicks)).toBe(true);
    segment.close();
    expect(await fixture.finish()).toEqual({ code: 0, signal: null });
  });
});
