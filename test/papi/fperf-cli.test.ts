/** `iprobe fperf` as an operator meets it: listing, checking, and the profiling mode's argument checks. */
import { describe, expect, test } from 'vitest';
import type { EventCheckReport } from '../../src/fperf/event-check.js';
import type { EventListing } from '../../src/fperf/event-listing.js';
import { iprobe, type CliResult } from '../support/iprobe-cli.js';

function expectOneLineError(r: CliResult, pattern: RegExp): string {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^iprobe: /);
  expect(lines[0]).toMatch(pattern);
  return lines[0]!;
}

describe('--list-events', () => {
  test('--json: components, presets and native events grouped, and the default set', async () => {
    const r = await iprobe(['fperf', '--list-events', '--json']);
    expect(r.code).toBe(0);
    const l = JSON.parse(r.stdout) as EventListing;
    expect(l.papiVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(l.components.some((c) => c.name === 'perf_event' && !c.disabled)).toBe(true);
    expect(l.all).toBe(false);
    // Without --all only what can be counted is listed, and the counts say how much was left out.
    for (const group of [l.presets, ...l.native]) {
      expect(group.events.every((e) => e.available)).toBe(true);
      expect(group.events).toHaveLength(group.available);
      expect(group.available).toBeLessThanOrEqual(group.total);
    }
    const perf = l.native.find((g) => g.component === 'perf_event');
    expect(perf?.events.map((e) => e.name)).toEqual(expect.arrayContaining(['perf::TASK-CLOCK', 'perf::PAGE-FAULTS']));
    expect('events' in l.defaultEvents && l.defaultEvents.events.length).toBeGreaterThan(0);
  });

  test('--all --json also lists what cannot be counted, with the reason', async () => {
    const l = JSON.parse((await iprobe(['fperf', '--list-events', '--all', '--json'])).stdout) as EventListing;
    expect(l.all).toBe(true);
    expect(l.presets.events).toHaveLength(l.presets.total);
    const cyc = l.presets.events.find((e) => e.name === 'PAPI_TOT_CYC');
    expect(cyc).toBeDefined();
    if (!cyc!.available) expect(cyc!.reason).toMatch(/\S/);
    for (const e of [...l.presets.events, ...l.native.flatMap((g) => g.events)]) {
      expect(e.available || (e.reason ?? '') !== '', e.name).toBe(true);
    }
  });

  test('text: the groups, and the default set with the reason for it', async () => {
    const r = await iprobe(['fperf', '--list-events']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PAPI \d+\.\d+\.\d+\.\d+ on /);
    expect(r.stdout).toMatch(/^Components:$/m);
    expect(r.stdout).toMatch(/^Hardware presets: \d+ of \d+ can be counted here/m);
    expect(r.stdout).toMatch(/^Native events of perf_event: \d+ of \d+ can be counted here/m);
    expect(r.stdout).toMatch(/^ {2}perf::TASK-CLOCK +PERF_COUNT_SW_TASK_CLOCK$/m);
    expect(r.stdout).toMatch(/^Default event set: \S.*\n {2}.*using (PAPI presets|the kernel's generic hardware events|software events)/m);
  });
});

describe('--check-events', () => {
  test('the default set: validated, with the cost of one read', async () => {
    const r = await iprobe(['fperf', '--check-events', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EventCheckReport;
    expect(report.check.ok).toBe(true);
    expect(report.events).toEqual(report.defaultEvents?.events);
    expect(report.readCost!.medianNs).toBeGreaterThan(0);
    expect(report.caveat).toMatch(/iprobe process/);
  });

  test('a given set, names resolved as the catalogue spells them', async () => {
    const r = await iprobe(['fperf', '--check-events', 'task-clock,perf::page-faults']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PAPI .*: checking perf::TASK-CLOCK, perf::PAGE-FAULTS$/m);
    expect(r.stdout).toMatch(/^ {2}perf::TASK-CLOCK +ok$/m);
    expect(r.stdout).toMatch(/one PAPI_read of this set costs \d+\.\d\d µs here/);
  });

  test('--events gives the set when --check-events has none', async () => {
    const r = await iprobe(['fperf', '--check-events', '--events', 'perf::CS', '--json']);
    expect((JSON.parse(r.stdout) as EventCheckReport).events).toEqual(['perf::CS']);
  });

  test('an unknown event: PAPI says which, stderr names the available ones', async () => {
    const r = await iprobe(['fperf', '--check-events', 'perf::TASK-CLOCK,perf::PAGE-FAULTZ']);
    expect(r.stdout).toMatch(/^ {2}perf::PAGE-FAULTZ +no such event$/m);
    const line = expectOneLineError(r, /1 of 2 events cannot be counted here: perf::PAGE-FAULTZ \(no such event\)/);
    expect(line).toMatch(/available here, closest first: perf::PAGE-FAULTS,/);
  });

  test('an event the machine cannot count gets PAPI\'s own error', async (ctx) => {
    const list = JSON.parse((await iprobe(['fperf', '--list-events', '--all', '--json'])).stdout) as EventListing;
    const unavailable = list.presets.events.find((e) => !e.available);
    if (!unavailable) return ctx.skip('every preset can be counted here');
    const r = await iprobe(['fperf', '--check-events', unavailable.name, '--json']);
    const report = JSON.parse(r.stdout) as EventCheckReport;
    expect(report.check.ok).toBe(false);
    expect(report.check.events[0]!.error).toMatch(/\S/);
    expect(report.readCost).toBeUndefined();
    expectOneLineError(r, new RegExp(`${unavailable.name} \\(`));
  });
});

describe('modes', () => {
  test('profiling mode: what to profile, and with what, is checked first', async () => {
    expectOneLineError(await iprobe(['fperf']), /say what to profile: a pid, or -- program args/);
    expectOneLineError(await iprobe(['fperf', '--budget', '5', '1234']), /not a budget: 5/);
    expectOneLineError(await iprobe(['fperf', '--when', 'latency>2ms', '1234']), /latency and calls need fn=NAME/);
    expectOneLineError(await iprobe(['fperf', '999999999']), /no process 999999999|no iprobe runtime in process 999999999/);
    expectOneLineError(await iprobe(['fperf', '--', '/nonexistent/prog']), /cannot start \/nonexistent\/prog/);
  });

  test('mode flags are checked', async () => {
    expectOneLineError(await iprobe(['fperf', '--list-events', '--check-events']), /cannot be combined/);
    expectOneLineError(await iprobe(['fperf', '--list-events', '1234']), /--list-events takes no target/);
    expectOneLineError(await iprobe(['fperf', '--all']), /--all only applies to --list-events/);
    expectOneLineError(await iprobe(['fperf', '--check-events', 'a,,b']), /empty event name/);
  });
});
