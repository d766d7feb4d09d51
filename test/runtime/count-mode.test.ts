import { beforeAll, describe, expect, it } from 'vitest';
import { SLOT, SLOT_SIZE } from '../../src/runtime/layout.js';
import { Fixture, callsByName, compileFixture, symbolAddresses, trackFixtures } from './helpers.js';

describe('count mode', () => {
  let threads: string;
  const running = trackFixtures();
  beforeAll(() => {
    threads = compileFixture('threads.c');
  });

  it('counts every call of 8 threads exactly, as the program counted them', async () => {
    const fixture = Fixture.start(threads, ['8', '200000'], 'count');
    running.push(fixture);
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const segment = fixture.open();
    const calls = callsByName(segment, threads);
    expect(calls.get('work_a')).toBe(Number(a));
    expect(calls.get('work_b')).toBe(Number(b));
    expect(calls.get('worker')).toBe(8);
    expect(calls.get('main')).toBe(1);
    const counters = segment.counters();
    expect(counters.threadsAttached).toBe(9);
    expect(counters.threadsExited).toBe(8);
    expect(counters.reentrantDrops + counters.functionsDropped + counters.unmatchedExits).toBe(0);
    segment.close();
    expect(await fixture.finish()).toEqual({ code: 0, signal: null });
  });

  it('stays exact when threads outnumber the slots (the rest count into the retired row)', async () => {
    const fixture = Fixture.start(threads, ['12', '20000'], 'count', { IPROBE_THREADS: '4' });
    running.push(fixture);
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const segment = fixture.open();
    expect(segment.header().threadCapacity).toBe(4);
    const calls = callsByName(segment, threads);
    expect(calls.get('work_a')).toBe(Number(a));
    expect(calls.get('work_b')).toBe(Number(b));
    segment.close();
  });

  it("stays exact when exited threads' slots are reused (their stats fold into the retired row)", async () => {
    const fixture = Fixture.start(threads, ['12', '5000', 'serial'], 'count', { IPROBE_THREADS: '4' });
    running.push(fixture);
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const segment = fixture.open();
    const header = segment.header();
    const claims = Array.from({ length: 4 }, (_, slot) => segment.mapping.load32(header.slotsOffset + slot * SLOT_SIZE + SLOT.generation));
    // main and the first three workers took the free slots; the other nine reused those the workers left
    expect(claims.reduce((x, y) => x + y)).toBe(13);
    expect(header.slotsUsed).toBe(4);
    const calls = callsByName(segment, threads);
    expect([calls.get('work_a'), calls.get('work_b'), calls.get('worker')]).toEqual([Number(a), Number(b), 12]);
    segment.close();
  });

  it('times functions: self never exceeds total, callers include their callees', async () => {
    const fixture = Fixture.start(threads, ['2', '50000'], 'count');
    running.push(fixture);
    await fixture.line(/^counted/);
    const segment = fixture.open();
    const clock = segment.clock();
    const stats = segment.functionStats();
    for (const s of stats) expect(s.selfTicks).toBeLessThanOrEqual(s.totalTicks);
    const bias = Number(segment.header().exeLoadBias);
    const addresses = symbolAddresses(threads);
    const byName = (name: string) => stats.find((s) => s.address === addresses.get(name)! + bias)!;
    // every work_a activation lies inside a worker activation; self time is what is left of it
    expect(byName('worker').totalTicks).toBeGreaterThanOrEqual(byName('work_a').totalTicks + byName('worker').selfTicks);
    // worker's time is real: below the process's age, above zero
    expect(clock.durationNs(byName('worker').totalTicks)).toBeGreaterThan(0);
    expect(clock.durationNs(byName('worker').totalTicks)).toBeLessThan(60e9);
    segment.close();
  });
});
