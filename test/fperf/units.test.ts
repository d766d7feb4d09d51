import { describe, expect, it } from 'vitest';
import { LeakyBucket, parseBudget } from '../../src/fperf/budget.js';
import { conditionsHold, parseRule, RuleWatch } from '../../src/fperf/monitoring-rules.js';
import { profileEventName, shownEventName } from '../../src/fperf/profile-events.js';
import { allocateQuotas } from '../../src/fperf/quota-allocation.js';

describe('budget', () => {
  it('reads percentages and none', () => {
    expect(parseBudget('5%')).toEqual({ kind: 'fraction', fraction: 0.05 });
    expect(parseBudget('0.5%')).toEqual({ kind: 'fraction', fraction: 0.005 });
    expect(parseBudget('none')).toEqual({ kind: 'none' });
    expect(() => parseBudget('5')).toThrow(/not a budget/);
    expect(() => parseBudget('150%')).toThrow(/not a budget/);
  });

  it('allows the budget share of the work, and pays back an overspent interval', () => {
    const bucket = new LeakyBucket(0.05);
    // 100 ms of CPU, nothing spent yet: 5 % of it may be spent next
    expect(bucket.update(100e6, 0)).toBeCloseTo(5e6);
    // spent exactly that: steady state
    expect(bucket.update(105e6, 5e6)).toBeCloseTo(5e6);
    // overspent by 3 ms (first samples, new threads): the next interval gets 3 ms less
    expect(bucket.update(108e6, 8e6)).toBeCloseTo(2e6);
    // an idle interval stores up nothing
    expect(bucket.update(0, 0)).toBe(0);
    expect(bucket.update(100e6, 0)).toBeCloseTo(5e6);
  });
});

describe('quota allocation', () => {
  it('never hands out more than allowed, nor more than a function can use', () => {
    const quotas = allocateQuotas(100, [
      { index: 1, samples: 0, demand: 1000 },
      { index: 2, samples: 0, demand: 30 },
      { index: 3, samples: 0, demand: 1000 },
    ]);
    expect([...quotas.values()].reduce((a, b) => a + b, 0)).toBe(100);
    expect(quotas.get(2)).toBe(30);
    expect(quotas.get(1)! + quotas.get(3)!).toBe(70);
    expect(Math.abs(quotas.get(1)! - quotas.get(3)!)).toBeLessThanOrEqual(1);
  });

  it('serves the least sampled first', () => {
    const quotas = allocateQuotas(50, [
      { index: 1, samples: 500, demand: 1000 },
      { index: 2, samples: 10, demand: 1000 },
      { index: 3, samples: 40, demand: 1000 },
    ]);
    expect(quotas.get(1)).toBe(0);
    // 2 is raised to 40 (30 samples), then 2 and 3 share the last 20
    expect(quotas.get(2)).toBe(40);
    expect(quotas.get(3)).toBe(10);
  });

  it('spreads what is left over every function once all demands are met', () => {
    const quotas = allocateQuotas(1000, [
      { index: 1, samples: 0, demand: 100 },
      { index: 2, samples: 0, demand: 0 },
    ]);
    expect(quotas.get(1)).toBe(100 + 450);
    expect(quotas.get(2)).toBe(450);
    expect(allocateQuotas(0, [{ index: 1, samples: 0, demand: 5 }]).get(1)).toBe(0);
  });
});

describe('monitoring rules', () => {
  const metrics = (calls: number, totalNs: number, cpuNs = 0) => ({
    functions: new Map([['handle_*', { calls, totalNs }]]),
    intervalNs: 100e6,
    cpuNs,
  });

  it('reads conditions, units and for=N', () => {
    expect(parseRule("fn='handle_*' latency>2ms")).toEqual({
      text: "fn='handle_*' latency>2ms",
      fn: 'handle_*',
      conditions: [{ metric: 'latency', op: '>', value: 2e6 }],
      intervals: 1,
    });
    expect(parseRule('cpu>=80% for=3')).toMatchObject({ conditions: [{ metric: 'cpu', op: '>=', value: 0.8 }], intervals: 3 });
    expect(parseRule('fn=f calls>1000/s latency<=150us').conditions).toEqual([
      { metric: 'calls', op: '>', value: 1000 },
      { metric: 'latency', op: '<=', value: 150e3 },
    ]);
    expect(() => parseRule('latency>2ms')).toThrow(/need fn=NAME/);
    expect(() => parseRule('fn=f latency>2')).toThrow(/duration with its unit/);
    expect(() => parseRule('fn=f')).toThrow(/no condition/);
    expect(() => parseRule('fn=f speed>3')).toThrow(/cannot read 'speed>3'/);
  });

  it('judges an interval: mean latency over the calls in it, calls per second, CPU share', () => {
    const rule = parseRule("fn='handle_*' latency>2ms");
    expect(conditionsHold(rule, metrics(10, 30e6))).toBe(true); // 3 ms per call
    expect(conditionsHold(rule, metrics(10, 10e6))).toBe(false);
    expect(conditionsHold(rule, metrics(0, 0))).toBe(false); // no calls: no latency
    expect(conditionsHold(parseRule("fn='handle_*' calls>50/s"), metrics(10, 0))).toBe(true); // 100/s
    expect(conditionsHold(parseRule('cpu>50%'), metrics(0, 0, 60e6))).toBe(true);
  });

  it('fires after the conditions held for=N intervals in a row', () => {
    const watch = new RuleWatch([parseRule('cpu>50% for=2')]);
    expect(watch.observe(metrics(0, 0, 60e6))).toBeUndefined();
    expect(watch.observe(metrics(0, 0, 10e6))).toBeUndefined();
    expect(watch.observe(metrics(0, 0, 60e6))).toBeUndefined();
    expect(watch.observe(metrics(0, 0, 60e6))?.text).toBe('cpu>50% for=2');
  });
});

describe('event names', () => {
  it('asks for kernel-raised software events in both domains, and shows them as given', () => {
    expect(profileEventName('perf::CONTEXT-SWITCHES')).toBe('perf::CONTEXT-SWITCHES:u=1:k=1');
    expect(profileEventName('perf::PAGE-FAULTS')).toBe('perf::PAGE-FAULTS');
    expect(profileEventName('perf::CONTEXT-SWITCHES:u=1')).toBe('perf::CONTEXT-SWITCHES:u=1');
    expect(shownEventName(profileEventName('perf::CS'))).toBe('perf::CS');
  });
});
