/**
 * Monitoring rules: when profiling starts. A rule is a list of conditions
 * that must all hold in one interval (or in `for=N` consecutive ones);
 * several rules are alternatives.
 *
 *   fn=handle_get latency>2ms        mean time per call of handle_get above 2 ms
 *   fn='handle_*' calls>1000/s       their calls per second
 *   cpu>80% for=3                    the process's CPU use, three intervals in a row
 *
 * Metrics: latency (needs fn: the matching functions' inclusive time over
 * their calls in the interval), calls (needs fn; per second), cpu (percent of
 * one CPU). Operators: > >= < <=.
 */
import { UserError } from '../util/user-error.js';

export type Metric = 'latency' | 'calls' | 'cpu';
export type Comparison = '>' | '>=' | '<' | '<=';

export interface Condition {
  metric: Metric;
  op: Comparison;
  /** latency: ns; calls: per second; cpu: fraction of one CPU. */
  value: number;
}

export interface MonitoringRule {
  text: string;
  /** Function glob the latency and calls conditions look at. */
  fn?: string;
  conditions: Condition[];
  /** Consecutive intervals the conditions must hold. */
  intervals: number;
}

/** What one interval showed, for the rules to judge. */
export interface IntervalMetrics {
  /** Per function glob of the rules: calls and inclusive ns in the interval. */
  functions: ReadonlyMap<string, { calls: number; totalNs: number }>;
  intervalNs: number;
  cpuNs: number;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

export function parseRule(text: string): MonitoringRule {
  const rule: MonitoringRule = { text, conditions: [], intervals: 1 };
  for (const term of text.trim().split(/\s+/).filter(Boolean)) {
    const fn = /^fn=(.+)$/.exec(term);
    if (fn) {
      if (rule.fn) throw ruleError(text, 'one fn= per rule');
      rule.fn = fn[1]!.replace(/^'(.*)'$/, '$1');
      continue;
    }
    const repeat = /^for=([1-9]\d*)$/.exec(term);
    if (repeat) {
      rule.intervals = Number(repeat[1]);
      continue;
    }
    const m = /^(latency|calls|cpu)(>=|<=|>|<)(.+)$/.exec(term);
    if (!m) throw ruleError(text, `cannot read '${term}'`);
    rule.conditions.push({ metric: m[1] as Metric, op: m[2] as Comparison, value: parseValue(text, m[1] as Metric, m[3]!) });
  }
  if (rule.conditions.length === 0) throw ruleError(text, 'no condition (latency, calls or cpu)');
  if (!rule.fn && rule.conditions.some((c) => c.metric !== 'cpu')) throw ruleError(text, 'latency and calls need fn=NAME');
  return rule;
}

function parseValue(text: string, metric: Metric, value: string): number {
  if (metric === 'latency') {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)$/.exec(value);
    if (!m) throw ruleError(text, `latency needs a duration with its unit (2ms, 150us), not '${value}'`);
    return Number(m[1]) * DURATION_UNITS[m[2]!]!;
  }
  if (metric === 'calls') {
    const m = /^(\d+(?:\.\d+)?)(\/s)?$/.exec(value);
    if (!m) throw ruleError(text, `calls needs a rate per second (1000/s), not '${value}'`);
    return Number(m[1]);
  }
  const m = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (!m) throw ruleError(text, `cpu needs a percentage (80%), not '${value}'`);
  return Number(m[1]) / 100;
}

function ruleError(text: string, why: string): UserError {
  return new UserError(`--when '${text}': ${why}`, "e.g. --when 'fn=handle_get latency>2ms' or --when 'cpu>80% for=3'");
}

function compare(a: number, op: Comparison, b: number): boolean {
  return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
}

/** Whether the conditions of `rule` hold for one interval (undefined metrics, e.g. latency without calls, do not). */
export function conditionsHold(rule: MonitoringRule, m: IntervalMetrics): boolean {
  const f = rule.fn ? m.functions.get(rule.fn) : undefined;
  return rule.conditions.every((c) => {
    if (c.metric === 'cpu') return m.intervalNs > 0 && compare(m.cpuNs / m.intervalNs, c.op, c.value);
    if (!f) return false;
    if (c.metric === 'calls') return m.intervalNs > 0 && compare((f.calls * 1e9) / m.intervalNs, c.op, c.value);
    return f.calls > 0 && compare(f.totalNs / f.calls, c.op, c.value);
  });
}

/** Tracks consecutive intervals; `fired` names the first rule whose conditions held long enough. */
export class RuleWatch {
  private readonly streaks: number[];

  constructor(readonly rules: readonly MonitoringRule[]) {
    this.streaks = rules.map(() => 0);
  }

  /** The rule that fires after this interval, if any. */
  observe(metrics: IntervalMetrics): MonitoringRule | undefined {
    let fired: MonitoringRule | undefined;
    this.rules.forEach((rule, i) => {
      this.streaks[i] = conditionsHold(rule, metrics) ? this.streaks[i]! + 1 : 0;
      if (!fired && this.streaks[i]! >= rule.intervals) fired = rule;
    });
    return fired;
  }
}
