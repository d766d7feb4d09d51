/**
 * `iprobe fperf` as an operator meets it: listing, checking, and the
 * profiling mode's argument checks; on whichever backend counts the
 * software events here (PAPI, or the kernel directly where PAPI's
 * perf_event component is disabled), and with the kernel backend forced.
 */
import { describe, expect, test } from 'vitest';
import type { EventCheckReport } from '../../src/fperf/event-check.js';
import type { EventListing } from '../../src/fperf/event-listing.js';
import { papiPerfEventDisabled } from '../support/counter-backends.js';
import { iprobe, type CliResult } from '../support/iprobe-cli.js';

const papiDisabled = papiPerfEventDisabled();
/** What the backend that counts perf::TASK-CLOCK here says of an unknown name. */
const UNKNOWN_EVENT = papiDisabled ? 'not a kernel generic event' : 'no such event';
const forcedKernel = { env: { ...process.env, IPROBE_COUNTERS: 'kernel' } };

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
    expect(l.components.some((c) => c.name === 'perf_event' && c.disabled === Boolean(papiDisabled))).toBe(true);
    expect(l.all).toBe(false);
    expect(l.preference).toBe('auto');
    // Without --all only what can be counted is listed, and the counts say how much was left out.
    for (const group of [l.presets, ...l.native, l.kernel]) {
      expect(group.events.every((e) => e.available)).toBe(true);
      expect(group.events).toHaveLength(group.available);
      expect(group.available).toBeLessThanOrEqual(group.total);
    }
    // the software events: PAPI's where its component is on, else the kernel's, counted directly
    const taskClock = l.kernel.events.find((e) => e.name === 'perf::TASK-CLOCK');
    expect(taskClock).toMatchObject({ available: true, countedBy: papiDisabled ? 'kernel' : 'papi' });
    expect(l.kernel.events.find((e) => e.name === 'perf::CONTEXT-SWITCHES')?.aliases).toContain('perf::CS');
    if (!papiDisabled) {
      const perf = l.native.find((g) => g.component === 'perf_event');
      expect(perf?.events.map((e) => e.name)).toEqual(expect.arrayContaining(['perf::TASK-CLOCK', 'perf::PAGE-FAULTS']));
    } else {
      expect(l.backendNote).toMatch(/^PAPI's perf_event component is disabled: .*; \d+ of \d+ kernel events counted directly \(perf_event_open\)$/);
    }
    expect('events' in l.defaultEvents && l.defaultEvents.events.length).toBeGreaterThan(0);
    expect('backend' in l.defaultEvents && l.defaultEvents.backend).toBe(papiDisabled ? 'kernel' : 'papi');
  });

  test('--all --json also lists what cannot be counted, with the reason', async () => {
    const l = JSON.parse((await iprobe(['fperf', '--list-events', '--all', '--json'])).stdout) as EventListing;
    expect(l.all).toBe(true);
    expect(l.presets.events).toHaveLength(l.presets.total);
    const cyc = l.presets.events.find((e) => e.name === 'PAPI_TOT_CYC');
    expect(cyc).toBeDefined();
    if (!cyc!.available) expect(cyc!.reason).toMatch(/\S/);
    expect(l.kernel.events).toHaveLength(l.kernel.total);
    for (const e of [...l.presets.events, ...l.native.flatMap((g) => g.events), ...l.kernel.events]) {
      expect(e.available || (e.reason ?? '') !== '', e.name).toBe(true);
    }
  });

  test('text: the groups, and the default set with the reason for it', async () => {
    const r = await iprobe(['fperf', '--list-events']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PAPI \d+\.\d+\.\d+\.\d+ on /);
    expect(r.stdout).toMatch(/^Components:$/m);
    expect(r.stdout).toMatch(/^Hardware presets: \d+ of \d+ can be counted here/m);
    expect(r.stdout).toMatch(/^Counters: \S/m);
    if (!papiDisabled) {
      expect(r.stdout).toMatch(/^Native events of perf_event: \d+ of \d+ can be counted here/m);
      expect(r.stdout).toMatch(/^ {2}perf::TASK-CLOCK +PERF_COUNT_SW_TASK_CLOCK$/m);
    }
    expect(r.stdout).toMatch(/^Kernel events \(perf_event_open, perf_event_paranoid -?\d+\): \d+ of \d+ can be counted here/m);
    expect(r.stdout).toMatch(new RegExp(`^ {2}perf::TASK-CLOCK +${papiDisabled ? 'kernel' : 'PAPI'} `, 'm'));
    expect(r.stdout).toMatch(
      /^Default event set: \S.*, counted by (PAPI|the kernel \(perf_event_open\))\n {2}.*using (PAPI presets|the kernel's generic hardware events|software events)/m,
    );
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
    expect(r.stdout).toMatch(/^(PAPI \S+|the kernel \(perf_event_open\)): checking perf::TASK-CLOCK, perf::PAGE-FAULTS$/m);
    expect(r.stdout).toMatch(/^ {2}perf::TASK-CLOCK +ok$/m);
    expect(r.stdout).toMatch(/one (PAPI_read|read\(2\) of the perf group) of this set costs \d+\.\d\d µs here/);
  });

  test('--events gives the set when --check-events has none', async () => {
    const r = await iprobe(['fperf', '--check-events', '--events', 'perf::CS', '--json']);
    expect((JSON.parse(r.stdout) as EventCheckReport).events).toEqual(['perf::CS']);
  });

  test('an unknown event: the backend says which, stderr names the available ones', async () => {
    const r = await iprobe(['fperf', '--check-events', 'perf::TASK-CLOCK,perf::PAGE-FAULTZ']);
    expect(r.stdout).toMatch(new RegExp(`^ {2}perf::PAGE-FAULTZ +${UNKNOWN_EVENT}$`, 'm'));
    const line = expectOneLineError(r, new RegExp(`1 of 2 events cannot be counted here: perf::PAGE-FAULTZ \\(${UNKNOWN_EVENT}\\)`));
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

describe('the kernel backend, forced (IPROBE_COUNTERS=kernel or --counters kernel)', () => {
  test('--check-events counts the software set with perf_event_open and times one read(2)', async () => {
    const r = await iprobe(['fperf', '--check-events', 'task-clock,page-faults,cs', '--json'], forcedKernel);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EventCheckReport;
    expect(report).toMatchObject({ backend: 'kernel', events: ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CS'] });
    expect(report.check.ok).toBe(true);
    expect(report.check.values[0]).toBeGreaterThan(0); // task clock, ns
    expect(report.readCost!.medianNs).toBeGreaterThan(0);
    expect(report.backendNote).toMatch(/^counters forced to the kernel backend/);
  });

  test('--list-events lists the kernel events only as served, each counted by the kernel', async () => {
    const l = JSON.parse((await iprobe(['fperf', '--list-events', '--json', '--counters', 'kernel'])).stdout) as EventListing;
    expect(l.preference).toBe('kernel');
    expect(l.kernel.events.filter((e) => e.available).every((e) => e.countedBy === 'kernel')).toBe(true);
    expect(l.defaultEvents).toMatchObject({ backend: 'kernel' });
  });

  test('a hardware event without a PMU: the errno and what it means, in one line', async (ctx) => {
    const l = JSON.parse((await iprobe(['fperf', '--list-events', '--all', '--json'], forcedKernel)).stdout) as EventListing;
    const cycles = l.kernel.events.find((e) => e.name === 'perf::CYCLES')!;
    if (cycles.available) return ctx.skip('this machine has a PMU that counts cycles');
    const r = await iprobe(['fperf', '--check-events', 'perf::CYCLES'], forcedKernel);
    expectOneLineError(r, /perf::CYCLES \(No such file or directory \(no PMU counts this event here\)\)/);
  });

  test('a backend that does not exist is a usage error', async () => {
    const bad = await iprobe(['fperf', '--list-events', '--counters', 'pmu']);
    expect(bad.code).toBe(2);
    expectOneLineError(bad, /--counters: 'pmu' is not a counter backend \(use auto, papi, kernel\)/);
    const env = await iprobe(['fperf', '--list-events'], { env: { ...process.env, IPROBE_COUNTERS: 'x' } });
    expect(env.code).toBe(2);
    expectOneLineError(env, /IPROBE_COUNTERS: 'x' is not a counter backend/);
  });
});

describe('modes', () => {
  test('profiling mode: what to profile, and with what, is checked first', async () => {
    expectOneLineError(await iprobe(['fperf']), /say what to profile: a pid, or -- program args/);
    expectOneLineError(await iprobe(['fperf', '--budget', '5', '1234']), /--budget: not a budget: '5'/);
    expectOneLineError(await iprobe(['fperf', '--when', 'latency>2ms', '1234']), /latency and calls need fn=NAME/);
    expectOneLineError(await iprobe(['fperf', '999999999']), /no process 999999999|no iprobe runtime in process 999999999/);
    expectOneLineError(await iprobe(['fperf', '--', '/nonexistent/prog']), /cannot start \/nonexistent\/prog/);
    // an event nobody can count is named before anything starts, not an internal error
    const unknown = await iprobe(['fperf', '--events', 'perf::PAGE-FAULTZ', '--', '/bin/true']);
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown, new RegExp(`1 of 1 events cannot be counted here: perf::PAGE-FAULTZ \\(${UNKNOWN_EVENT}\\) \\(available here, closest first: perf::PAGE-FAULTS`));
  });

  test('mode flags are checked', async () => {
    expectOneLineError(await iprobe(['fperf', '--list-events', '--check-events']), /cannot be combined/);
    expectOneLineError(await iprobe(['fperf', '--list-events', '1234']), /--list-events takes no target/);
    expectOneLineError(await iprobe(['fperf', '--all']), /--all only applies to --list-events/);
    expectOneLineError(await iprobe(['fperf', '--check-events', 'a,,b']), /empty event name/);
  });
});
