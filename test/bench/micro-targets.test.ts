import { describe, expect, it } from 'vitest';
import type { MicroResults, MicroRow } from '../../src/bench/micro/micro-benchmark.js';
import { microTargets } from '../../src/bench/micro/micro-targets.js';
import { parseEmptyCallsOutput } from '../../src/bench/micro/empty-calls-builds.js';

const row = (id: string, calls: number, nsPerEvent: number, tool = id): MicroRow => ({
  id,
  tool,
  label: id,
  eventsPerCall: 2,
  calls,
  nsPerCall: [nsPerEvent * 2 + 1],
  minNsPerCall: nsPerEvent * 2 + 1,
  medianNsPerCall: nsPerEvent * 2 + 1,
  nsPerEvent,
  ratio: nsPerEvent * 2 + 1,
});

const results = (rows: MicroRow[], missing: string[] = []): MicroResults => ({
  rounds: 3,
  rows,
  tools: missing.map((id) => ({ id, tool: id, label: id, status: 'not available', why: `${id} is not installed` })),
  instructions: { availability: { available: true }, calls: [1, 2], counts: [] },
});

describe('micro-benchmark targets', () => {
  it('judges the calls-only handler against XRay counting at the same call count, reports the count handler beside it, and each uprobe tool', () => {
    const text = microTargets(
      results([
        row('iprobe-hotpatched-count', 1e6, 12),
        row('iprobe-hotpatched-count', 1e8, 10),
        row('iprobe-hotpatched-calls', 1e6, 6),
        row('iprobe-hotpatched-calls', 1e8, 4),
        row('xray-count', 1e6, 10),
        row('xray-count', 1e8, 8),
        row('xray-patched', 1e8, 5),
        row('bpftrace-uprobe', 1e5, 9000),
        row('perf-uprobe', 1e5, 100),
      ]),
    );
    expect(text).toContain("below XRay's patched cost: met.** XRay patched with a handler that counts: 8.00 ns per event at 10^8 calls; with no handler 5.00 ns");
    expect(text).toMatch(/calls-only handler .*: 4\.00 ns per event \(0\.50× XRay's\); iprobe's count handler .*: 10\.0 ns per event \(1\.25× XRay's\)/);
    // uprobes are compared with the count handler, the dearer of the two
    expect(text).toMatch(/bpftrace-uprobe\): met\.\*\* .* 900× cheaper/);
    expect(text).toMatch(/perf-uprobe\): missed\.\*\* .* 10\.0× cheaper/);
  });

  it('misses the XRay target when the calls-only handler is dearer, or was not measured', () => {
    const rows = [row('iprobe-hotpatched-count', 1e8, 10), row('xray-count', 1e8, 8)];
    expect(microTargets(results([...rows, row('iprobe-hotpatched-calls', 1e8, 9)]))).toContain("below XRay's patched cost: missed.");
    expect(microTargets(results(rows))).toContain("below XRay's patched cost: missed.");
  });

  it('says why a target cannot be judged when a tool is missing', () => {
    const text = microTargets(results([row('iprobe-hotpatched-count', 1e6, 12)], ['xray-count', 'bpftrace-uprobe']));
    expect(text).toContain("below XRay's patched cost: cannot be judged here (XRay not available: xray-count is not installed)");
    expect(text).toContain('(bpftrace-uprobe): cannot be judged here (not available: bpftrace-uprobe is not installed)');
    expect(text).toContain('(perf-uprobe): cannot be judged here (not measured)');
  });
});

describe('parseEmptyCallsOutput', () => {
  it('reads the result lines of bench/micro/empty-calls.c', () => {
    expect(parseEmptyCallsOutput('ready\nns_per_call 20.0512\ncalls 1000000\nevents 2000000\ndone\n')).toEqual({
      nsPerCall: 20.0512,
      calls: 1e6,
      events: 2e6,
    });
    expect(() => parseEmptyCallsOutput('Segmentation fault')).toThrow(/no result/);
  });
});
