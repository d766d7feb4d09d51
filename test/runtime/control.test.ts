import { beforeAll, describe, expect, it } from 'vitest';
import { timedEvents } from '../../src/runtime/collector.js';
import { toChromeTrace } from '../../src/runtime/export/chrome-trace.js';
import { buildTimelines } from '../../src/runtime/timeline.js';
import { Fixture, callsByName, compileFixture, symbolAddresses, trackFixtures } from './helpers.js';
import { expectProperNesting } from './nesting.js';

describe('the control block', () => {
  let exe: string;
  const running = trackFixtures();
  beforeAll(() => {
    exe = compileFixture('control.c');
  });

  it('switches modes while the program runs, with no restart', async () => {
    const fixture = Fixture.start(exe, [], 'off');
    running.push(fixture);
    await fixture.ask('call 100');
    const segment = fixture.open();
    expect(segment.mode()).toBe('off');
    expect(callsByName(segment, exe).get('step')).toBeUndefined();

    segment.setMode('count');
    await fixture.ask('call 100');
    expect(callsByName(segment, exe).get('step')).toBe(100);
    expect(callsByName(segment, exe).get('leaf')).toBe(100);
    expect(segment.drainEvents()).toHaveLength(0);

    segment.setMode('trace');
    await fixture.ask('call 10');
    const events = timedEvents(segment.drainEvents(), segment.clock());
    expect(events).toHaveLength(40); // step and leaf, entry and exit, 10 times
    expectProperNesting(toChromeTrace(buildTimelines(events), { pid: fixture.pid }));
    expect(callsByName(segment, exe).get('step')).toBe(110); // trace mode counts too

    segment.setMode('off');
    await fixture.ask('call 100');
    expect(callsByName(segment, exe).get('step')).toBe(110);
    expect(segment.drainEvents()).toHaveLength(0);
    // main was entered while off: its exit never comes, nothing was left unmatched by the switches
    expect(segment.counters().unmatchedExits).toBe(0);
    segment.close();
  });

  it('resets the statistics of live threads', async () => {
    const fixture = Fixture.start(exe, [], 'count');
    running.push(fixture);
    await fixture.ask('call 50');
    const segment = fixture.open();
    expect(callsByName(segment, exe).get('step')).toBe(50);
    await segment.resetCounters();
    expect(callsByName(segment, exe).get('step')).toBe(0); // the thread has not zeroed its row yet: ignored
    await fixture.ask('call 7');
    expect(callsByName(segment, exe).get('step')).toBe(7);
    segment.close();
  });

  it('records IPROBE_POINT hits through __iprobe_point_hit', async () => {
    const fixture = Fixture.start(exe, [], 'count');
    running.push(fixture);
    await fixture.ask('point 5');
    const segment = fixture.open();
    const bias = Number(segment.header().exeLoadBias);
    const pointsFn = symbolAddresses(exe).get('points')! + bias;
    const site = pointsFn + 7;
    const point = segment.functionStats().find((s) => s.kind === 'point');
    expect(point).toMatchObject({ address: site, calls: 5 });

    segment.setMode('trace');
    await fixture.ask('point 3');
    const hits = segment.drainEvents().filter((e) => e.kind === 'point');
    expect(hits).toHaveLength(3);
    expect(hits[0]).toMatchObject({ site, function: pointsFn, depth: 2 }); // inside main > points
    segment.close();
  });

  it('takes IPROBE_POINT hits through the real trampoline of native/include/iprobe.h', async () => {
    const exe = compileFixture('points_on.c', ['-O2']);
    const fixture = Fixture.start(exe, ['1000'], 'count');
    running.push(fixture);
    const sites = new Map<string, number>();
    for (let i = 0; i < 2; i++) {
      const [, name, address] = await fixture.line(/^site (\w+) 0x([0-9a-f]+)/);
      sites.set(name!, parseInt(address!, 16));
    }
    await fixture.line(/^sum 499500$/); // the loop computed what it computes without points
    await fixture.line(/^ready/);
    const segment = fixture.open();
    const points = new Map(segment.functionStats().filter((s) => s.kind === 'point').map((s) => [s.address, s.calls]));
    expect(points).toEqual(new Map([[sites.get('each_iteration')!, 1000], [sites.get('loop_done')!, 1]]));
    segment.close();
  });
});
