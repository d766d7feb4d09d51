import { beforeAll, describe, expect, it } from 'vitest';
import { TraceCollector, timedEvents } from '../../src/runtime/collector.js';
import { toChromeTrace, type ChromeTrace } from '../../src/runtime/export/chrome-trace.js';
import { toFoldedStacks } from '../../src/runtime/export/folded.js';
import { reportFromTimelines } from '../../src/runtime/export/report.js';
import { executableResolver } from '../../src/runtime/symbols.js';
import { buildTimelines } from '../../src/runtime/timeline.js';
import { Fixture, callsByName, compileFixture, trackFixtures } from './helpers.js';
import { expectProperNesting } from './nesting.js';

describe('trace mode', () => {
  let threads: string;
  const running = trackFixtures();
  beforeAll(() => {
    threads = compileFixture('threads.c');
  });

  it('keeps the events of exited threads for the reader and exports a nested Chrome trace', async () => {
    const fixture = Fixture.start(threads, ['8', '300'], 'trace');
    running.push(fixture);
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/); // every worker has exited by now
    const segment = fixture.open();
    expect(segment.counters().threadsExited).toBe(8);
    const events = timedEvents(segment.drainEvents(), segment.clock());
    expect(segment.counters().ringFullDrops).toBe(0);
    const workerTids = new Set(events.filter((e) => e.tid !== fixture.pid).map((e) => e.tid));
    expect(workerTids.size).toBe(8);

    const header = segment.header();
    const resolve = executableResolver(threads, Number(header.exeLoadBias));
    const timelines = buildTimelines(events);
    const trace = JSON.parse(JSON.stringify(toChromeTrace(timelines, { pid: fixture.pid, resolve }))) as ChromeTrace;
    const perThread = expectProperNesting(trace);
    expect(perThread.size).toBe(9);

    const begins = trace.traceEvents.filter((e) => e.ph === 'B');
    expect(begins.filter((e) => e.name === 'work_a')).toHaveLength(Number(a));
    expect(begins.filter((e) => e.name === 'work_b')).toHaveLength(Number(b));
    // work_b is entered from work_a and from worker: both paths show up
    const folded = toFoldedStacks(timelines, { resolve, value: 'calls' });
    expect(folded).toMatch(/^main 1$/m);
    expect(folded).toMatch(/^worker;work_a;work_b \d+$/m);
    expect(folded).toMatch(/^worker;work_b \d+$/m);
    const report = reportFromTimelines(timelines, resolve);
    expect(report.find((r) => r.name === 'work_a')?.calls).toBe(Number(a));

    // drained means gone: a second drain finds nothing new
    expect(segment.drainEvents()).toHaveLength(0);
    segment.close();
  });

  it('accounts for every event while a reader drains during the run: received + dropped = written', async () => {
    const fixture = Fixture.start(threads, ['8', '20000', 'wait'], 'trace', { IPROBE_RING_EVENTS: '1024' });
    running.push(fixture);
    await fixture.line(/^waiting/);
    const segment = fixture.open();
    const collector = new TraceCollector(segment, 1).start();
    fixture.child.stdin.write('go\n');
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const events = collector.stop();
    const counters = segment.counters();
    // every function call writes an entry and an exit; main has only entered
    const written = 2 * (Number(a) + Number(b) + 8) + 1;
    expect(events.length + counters.ringFullDrops + counters.slotlessDrops).toBe(written);
    expect(events.length).toBeGreaterThan(1024); // more than one ring holds: the reader kept freeing space
    expect(events.every((e) => e.kind === 'entry' || e.kind === 'exit')).toBe(true);
    expectProperNesting(toChromeTrace(buildTimelines(timedEvents(events, segment.clock())), { pid: fixture.pid }));
    segment.close();
  });

  it('reuses the slots of drained exited threads: 12 threads through 4 slots, every event accounted for', async () => {
    const fixture = Fixture.start(threads, ['12', '3000', 'wait'], 'trace', { IPROBE_THREADS: '4', IPROBE_RING_EVENTS: '4096' });
    running.push(fixture);
    await fixture.line(/^waiting/);
    const segment = fixture.open();
    const collector = new TraceCollector(segment, 1).start();
    fixture.child.stdin.write('go\n');
    const [, a, b] = await fixture.line(/^counted a=(\d+) b=(\d+)/);
    const events = collector.stop();
    const counters = segment.counters();
    expect(events.length + counters.ringFullDrops + counters.slotlessDrops).toBe(2 * (Number(a) + Number(b) + 12) + 1);
    expect(counters.threadsAttached).toBe(13);
    // counts stay exact whichever way each thread went: own slot, reused slot, or none
    const calls = callsByName(segment, threads);
    expect([calls.get('work_a'), calls.get('work_b')]).toEqual([Number(a), Number(b)]);
    segment.close();
  });

  it('drops and counts when a ring is full, never blocks, and the trace still nests', async () => {
    const fixture = Fixture.start(threads, ['2', '5000'], 'trace', { IPROBE_RING_EVENTS: '256' });
    running.push(fixture);
    await fixture.line(/^counted/);
    const segment = fixture.open();
    const events = timedEvents(segment.drainEvents(), segment.clock());
    expect(events.length).toBeLessThanOrEqual(3 * 256);
    expect(segment.counters().ringFullDrops).toBeGreaterThan(10_000);
    expectProperNesting(toChromeTrace(buildTimelines(events), { pid: fixture.pid }));
    segment.close();
  });
});
