/** `iprobe fperf` end to end: a program run under FPerf, and profiling that waits for a rule. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FperfReport } from '../../src/fperf/profile-report.js';
import { parseRule } from '../../src/fperf/monitoring-rules.js';
import { backendCases } from '../support/counter-backends.js';
import { iprobe } from '../support/iprobe-cli.js';
import { IPROBE_CLI } from '../support/paths.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';
import { PlainTarget } from '../inject/plain-target.js';
import { coldpatchedFixture, openWindow, rowsByName } from './helpers.js';

describe('iprobe fperf', () => {
  const dir = useTempDir('fperf-cli');

  it('-- prog: profiles the run, measures the overhead with a second run, reports every function', async () => {
    const exe = await coldpatchedFixture('callheavy', dir);
    const r = await iprobe(['fperf', '--json', '--budget', '5%', '--', exe, 'batch', '8000']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as FperfReport;
    expect(report.command).toEqual([exe, 'batch', '8000']);
    expect(report.events).toEqual(['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES']);
    expect(report.overhead.kind).toBe('measured');
    expect(report.overhead.baseline!.cpuNs).toBeGreaterThan(0);
    expect(report.functions.sampled).toBeGreaterThanOrEqual(36); // 24 leaves, 12 mids, one_round
    const leaf = report.rows.find((row) => row.name === 'leaf_0')!;
    expect(leaf.samples).toBeGreaterThan(0);
    expect(leaf.samples).toBeLessThan(leaf.calls);
    expect(leaf.perCall![0]!.event).toBe('perf::TASK-CLOCK');
    // sorted by the first event's self time × calls, largest first
    const totals = report.rows.filter((row) => row.perCall).map((row) => row.perCall![0]!.exclusive * row.calls);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));

    const text = await iprobe(['fperf', '--no-baseline', '--limit', '3', '--', exe, 'batch', '8000']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/overhead, estimated/);
    expect(text.stdout).toMatch(/functions called, \d+ sampled/);
    expect(text.stdout).toMatch(/… \d+ more/);
  });

  it('--when: profiles only once the watched function turns slow', async () => {
    const exe = await coldpatchedFixture('workloads', dir);
    const target = await TargetProcess.start([exe], { mode: 'off' });
    try {
      await target.waitFor(/^ready/);
      let watching!: () => void;
      const watched = new Promise<void>((resolve) => (watching = resolve));
      const window = openWindow(target.pid, {
        rules: [parseRule('fn=nap latency>8ms')],
        intervalMs: 50,
        log: (line) => line.startsWith('watching') && watching(),
      });
      await watched;
      await target.ask('nap 0 30', /^done/); // naps of 0 ms: the rule does not fire (even on a loaded machine)
      await target.ask('pages 8 3', /^done/);
      await target.ask('nap 20 8', /^done/); // fires within these
      // The window opens once the probes are on, which may be after these naps: nap more inside it.
      const profiling = await window;
      await target.ask('nap 20 3', /^done/);
      const result = await profiling.end();
      expect(result.fired?.rule).toBe('fn=nap latency>8ms');
      const rows = rowsByName(result);
      expect(rows.get('touch_pages')).toBeUndefined(); // called before the rule fired
      expect(rows.get('nap')!.samples).toBeGreaterThan(0);
    } finally {
      target.kill();
    }
  });

  it('<pid> of a process started without the runtime: injects it, profiles, leaves the probes off', async () => {
    const exe = await coldpatchedFixture('workloads', dir);
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/^ready/m);
      const profiling = iprobe(['fperf', String(target.pid), '--json', '--budget', 'none', '--duration', '2s', '--fn', 'touch_pages', 'spin']);
      // Work for the window to see, whenever its probes go on.
      for (let i = 0; i < 8; i++) {
        await target.ask(`pages 4 20`, /done/);
        await target.ask(`spin 200000 5`, /done/);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      const r = await profiling;
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as FperfReport;
      expect(report.runtimeInjected?.library).toMatch(/libiprobe_runtime\.so$/);
      const rows = new Map(report.rows.map((row) => [row.name, row]));
      expect(rows.get('touch_pages')!.samples).toBeGreaterThan(0);
      expect(rows.get('spin')!.samples).toBeGreaterThan(0);
      expect(rows.get('nap')).toBeUndefined(); // not selected

      const list = await iprobe(['hot', String(target.pid), '--list', '--json']);
      expect(list.code).toBe(0);
      const listing = JSON.parse(list.stdout) as { runtimeOrigin: string; functions: { name: string; on: number }[] };
      expect(listing.runtimeOrigin).toBe('injected');
      expect(listing.functions.filter((f) => f.on > 0)).toEqual([]);
    } finally {
      target.kill();
    }
  });
});

describe.each(backendCases())('iprobe fperf --events perf::PAGE-FAULTS -- prog, counted by $backend', ({ backend, skip }) => {
  if (skip) {
    it.skip(`skipped: ${skip}`, () => {});
    return;
  }
  const dir = useTempDir(`fperf-faults-${backend}`);

  it('attributes each page fault to the function that takes it', async () => {
    const exe = await coldpatchedFixture('workloads', dir);
    const output = path.join(dir, 'report.json');
    const args = ['fperf', '--events', 'perf::PAGE-FAULTS', '--counters', backend, '--budget', 'none', '--no-baseline', '-o', output, '--', exe];
    const child = spawn(process.execPath, [IPROBE_CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The work goes in once the probes are on: the program reads it from its (inherited) stdin.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/profiling process \d+/.test(stderr)) resolve();
      });
      void exited.then(() => reject(new Error(`iprobe fperf ended before profiling: ${stderr}`)));
    });
    child.stdin.end('pages 64 10\nouter 32 5\n');
    expect(await exited, stderr).toBe(0);
    const report = JSON.parse(readFileSync(output, 'utf8')) as FperfReport;
    expect(report).toMatchObject({ backend, events: ['perf::PAGE-FAULTS'] });
    const rows = new Map(report.rows.map((row) => [row.name, row]));
    const pages = rows.get('touch_pages')!;
    expect(pages).toMatchObject({ calls: 15, samples: 15 });
    expect(pages.perCall![0]!.inclusive).toBeGreaterThanOrEqual((10 * 64 + 5 * 32) / 15);
    expect(pages.perCall![0]!.inclusive).toBeLessThan((10 * 64 + 5 * 32) / 15 + 2);
    // outer touches 32 pages itself and calls touch_pages(32): its own faults are its exclusive count
    const outer = rows.get('outer')!;
    expect(outer).toMatchObject({ calls: 5, samples: 5 });
    expect(outer.perCall![0]!.exclusive).toBeGreaterThanOrEqual(32);
    expect(outer.perCall![0]!.exclusive).toBeLessThan(34);
    expect(outer.perCall![0]!.inclusive).toBeGreaterThanOrEqual(64);
  });
});
