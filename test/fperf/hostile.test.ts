/**
 * No counter is opened in a hook: probed functions called in a signal
 * handler that interrupts malloc on a fresh thread, and in a fork() child,
 * under `iprobe fperf -- prog`. Before the control thread opened every
 * thread's counters, the worker's first sample made its PAPI event set inside
 * the handler (PAPI allocates: a deadlock when the signal lands in malloc) or
 * called perf_event_open there. The runtime counts every counter set opened
 * off its control thread; that count must stay 0.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FperfReport } from '../../src/fperf/profile-report.js';
import { backendCases } from '../support/counter-backends.js';
import { IPROBE_CLI } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { compileFixture } from './helpers.js';

const SIGNALS = 3000;
const CALLS = 300;
/** A deadlocked hook would hold the run forever; a healthy one takes a few seconds even under load. */
const BOUND_MS = 60_000;

describe.each(backendCases())('probes in signal handlers and fork() children, counted by $backend', ({ backend, skip }) => {
  if (skip) {
    it.skip(`skipped: ${skip}`, () => {});
    return;
  }
  const dir = useTempDir(`fperf-hostile-${backend}`);

  it('finishes, samples the handler and the parent after fork, and opens no counters in a hook', { timeout: BOUND_MS + 10_000 }, async () => {
    const exe = compileFixture('hostile', dir);
    const output = path.join(dir, 'report.json');
    const args = ['fperf', '--counters', backend, '--budget', 'none', '--no-baseline', '-o', output, '--', exe, String(SIGNALS), String(CALLS)];
    const child = spawn(process.execPath, [IPROBE_CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    try {
      // The work starts once the probes are on: the program waits for a line on its (inherited) stdin.
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/profiling process \d+/.test(stderr)) resolve();
        });
        void exited.then(() => reject(new Error(`iprobe fperf ended before profiling: ${stderr}`)));
      });
      child.stdin.end('go\n');
      expect(await exited, `${stderr}\n(killed after ${BOUND_MS} ms means a hook deadlocked)`).toBe(0);
    } finally {
      clearTimeout(deadline);
    }
    const handled = Number(/handled (\d+)/.exec(stdout)?.[1]);
    expect(handled, stdout).toBeGreaterThan(0);
    expect(stdout).toMatch(/child 0\b/);

    const report = JSON.parse(readFileSync(output, 'utf8')) as FperfReport;
    expect(report.backend).toBe(backend);
    expect(report.runtime.offControlOpens).toBe(0);
    expect(report.runtime.threadSetFailures, report.runtime.threadError).toBe(0);
    // main thread and worker, each opened by the control thread
    expect(report.runtime.threadSets).toBeGreaterThanOrEqual(2);
    const rows = new Map(report.rows.map((row) => [row.name, row]));
    const handler = rows.get('on_signal')!;
    expect(handler.calls).toBe(handled);
    // every handler run is sampled once the worker's counters are open; the first few wait for them
    expect(handler.samples).toBeGreaterThan(0);
    expect(handler.samples + report.runtime.notReadyDrops).toBeGreaterThanOrEqual(handled);
    // the parent keeps sampling after fork(); the child's calls are its own segment's, not in this report
    expect(rows.get('after_fork')).toMatchObject({ calls: CALLS, samples: CALLS });
    expect(rows.get('fork_leaf')).toBeUndefined();
  });
});
