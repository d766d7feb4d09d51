import { describe, expect, it } from 'vitest';
import { toChromeTrace } from '../../src/runtime/export/chrome-trace.js';
import { toFoldedStacks } from '../../src/runtime/export/folded.js';
import { formatReportTable, reportFromStats, reportFromTimelines, sortReport } from '../../src/runtime/export/report.js';
import { preloadEnvironment } from '../../src/runtime/library.js';
import { symbolResolver } from '../../src/runtime/symbols.js';
import { buildTimelines, selfNs, type TimedEvent } from '../../src/runtime/timeline.js';
import { expectProperNesting } from './nesting.js';

const names = new Map([
  [0x100, 'main'],
  [0x200, 'a'],
  [0x300, 'b'],
]);
const resolve = (address: number) => names.get(address);

function ev(kind: TimedEvent['kind'], fn: number, depth: number, ns: number, tid = 1, unwound = false): TimedEvent {
  return { kind, function: fn, site: 0x999, depth, ns, tid, unwound };
}

describe('timelines', () => {
  it('nests a clean stream', () => {
    const [t] = buildTimelines([
      ev('entry', 0x100, 1, 0),
      ev('entry', 0x200, 2, 10),
      ev('exit', 0x200, 2, 30),
      ev('entry', 0x300, 2, 40),
      ev('exit', 0x300, 2, 45),
      ev('exit', 0x100, 1, 100),
    ]);
    expect(t!.roots).toHaveLength(1);
    const main = t!.roots[0]!;
    expect(main.children.map((c) => [c.address, c.startNs, c.endNs])).toEqual([
      [0x200, 10, 30],
      [0x300, 40, 45],
    ]);
    expect(selfNs(main)).toBe(75);
    expect(main.unwound).toBe(false);
  });

  it('closes spans whose exits were lost, at the next event at their depth or above', () => {
    const [t] = buildTimelines([
      ev('entry', 0x100, 1, 0),
      ev('entry', 0x200, 2, 10),
      ev('entry', 0x300, 3, 20), // b's and a's exits were dropped
      ev('entry', 0x200, 2, 50),
      ev('exit', 0x200, 2, 60),
    ]);
    const main = t!.roots[0]!;
    expect(main.children.map((c) => [c.startNs, c.endNs, c.unwound])).toEqual([
      [10, 50, true],
      [50, 60, false],
    ]);
    expect(main.children[0]!.children[0]).toMatchObject({ startNs: 20, endNs: 50, unwound: true });
    expect(main).toMatchObject({ endNs: 60, unwound: true }); // still open at the end of the stream
  });

  it('ignores exits without an entry, and never lets time run backwards', () => {
    const [t] = buildTimelines([ev('exit', 0x200, 2, 5), ev('entry', 0x100, 1, 10), ev('exit', 0x100, 1, 8)]);
    expect(t!.roots.map((s) => [s.startNs, s.endNs])).toEqual([[10, 10]]);
  });

  it('keeps threads apart and remembers where points happened', () => {
    const timelines = buildTimelines([
      ev('entry', 0x100, 1, 0, 1),
      ev('entry', 0x200, 1, 1, 2),
      ev('point', 0x200, 1, 2, 2),
      ev('exit', 0x200, 1, 3, 2),
      ev('exit', 0x100, 1, 4, 1),
    ]);
    expect(timelines.map((t) => t.tid)).toEqual([1, 2]);
    expect(timelines[1]!.points).toEqual([{ site: 0x999, ns: 2, stack: [0x200] }]);
  });
});

describe('exports', () => {
  const events = [
    ev('entry', 0x100, 1, 0),
    ev('entry', 0x200, 2, 1000),
    ev('entry', 0x300, 3, 2000),
    ev('exit', 0x300, 3, 2500, 1, true),
    ev('exit', 0x200, 2, 3000),
    ev('entry', 0x300, 2, 4000),
    ev('exit', 0x300, 2, 4500),
    ev('exit', 0x100, 1, 10_000),
  ];
  const timelines = buildTimelines(events);

  it('writes Chrome trace B/E pairs that nest, in microseconds, with resolved names', () => {
    const trace = toChromeTrace(timelines, { pid: 42, resolve });
    expectProperNesting(trace);
    const be = trace.traceEvents.filter((e) => e.ph === 'B' || e.ph === 'E').map((e) => `${e.ph}:${e.name}@${e.ts}`);
    expect(be).toEqual(['B:main@0', 'B:a@1', 'B:b@2', 'E:b@2.5', 'E:a@3', 'B:b@4', 'E:b@4.5', 'E:main@10']);
    expect(trace.traceEvents.find((e) => e.ph === 'E' && e.ts === 2.5)?.args).toEqual({ unwound: true });
    expect(trace.traceEvents[0]).toMatchObject({ ph: 'M', name: 'thread_name', pid: 42, tid: 1 });
  });

  it('folds stacks with self time per path', () => {
    expect(toFoldedStacks(timelines, { resolve })).toBe('main 7500\nmain;a 1500\nmain;a;b 500\nmain;b 500\n');
    expect(toFoldedStacks(timelines, { value: 'calls' })).toBe('0x100 1\n0x100;0x200 1\n0x100;0x200;0x300 1\n0x100;0x300 1\n');
  });

  it('reports calls, total and self time from a trace, counting recursion once', () => {
    const recursive = buildTimelines([
      ev('entry', 0x200, 1, 0),
      ev('entry', 0x200, 2, 10),
      ev('exit', 0x200, 2, 20),
      ev('exit', 0x200, 1, 100),
    ]);
    expect(reportFromTimelines(recursive, resolve)).toEqual([
      { name: 'a', address: 0x200, kind: 'function', calls: 2, totalNs: 100, selfNs: 100 },
    ]);
    const rows = sortReport(reportFromTimelines(timelines, resolve), 'self');
    expect(rows.map((r) => [r.name, r.calls, r.totalNs, r.selfNs])).toEqual([
      ['main', 1, 10_000, 7500],
      ['a', 1, 2000, 1500],
      ['b', 2, 1000, 1000],
    ]);
  });

  it('reports count-mode statistics through the tick clock and formats a table', () => {
    const rows = reportFromStats(
      [
        { index: 3, address: 0x200, kind: 'function', calls: 2000, totalTicks: 6e6, selfTicks: 3e6 },
        { index: 4, address: 0x999, kind: 'point', calls: 7, totalTicks: 0, selfTicks: 0 },
      ],
      { durationNs: (ticks) => ticks / 3 },
      resolve,
    );
    expect(rows[0]).toMatchObject({ name: 'a', totalNs: 2e6, selfNs: 1e6 });
    expect(formatReportTable(sortReport(rows, 'calls'))).toBe(
      [
        'calls     total      self       avg  function',
        ' 2000  2.000 ms  1.000 ms  1.000 us  a',
        '    7         -         -         -  0x999 (point)',
        '',
      ].join('\n'),
    );
  });
});

describe('symbols', () => {
  it('resolves exact entries and offsets inside sized symbols, with the load bias', () => {
    const r = symbolResolver(
      [
        { address: 0x1000, size: 0x40, name: 'f' },
        { address: 0x1040, size: 0x10, name: 'g' },
      ],
      0x5550000,
    );
    expect(r(0x5551000)).toBe('f');
    expect(r(0x5551047)).toBe('g+0x7');
    expect(r(0x5551050)).toBeUndefined();
    expect(r(0x1000)).toBeUndefined();
  });
});

describe('preloadEnvironment', () => {
  it('puts the runtime first and keeps what was preloaded', () => {
    const env = preloadEnvironment({ LD_PRELOAD: '/x/a.so /x/b.so:/x/c.so', PATH: '/bin' }, 'trace', '/lib/rt.so');
    expect(env).toMatchObject({ LD_PRELOAD: '/lib/rt.so:/x/a.so:/x/b.so:/x/c.so', IPROBE_MODE: 'trace', PATH: '/bin' });
    expect(preloadEnvironment({ LD_PRELOAD: '/lib/rt.so' }, 'count', '/lib/rt.so').LD_PRELOAD).toBe('/lib/rt.so');
    expect(() => preloadEnvironment({}, 'count', '/my dir/rt.so')).toThrow(/space or colon/);
  });
});
