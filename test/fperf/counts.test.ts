/**
 * Counts land on the right function: fixtures whose page faults, context
 * switches and CPU time are known, profiled with every call sampled.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';
import { backendCases } from '../support/counter-backends.js';
import { compileFixture, openWindow as openWindowWith, rowsByName } from './helpers.js';

describe.each(backendCases())('fperf mode counts, counted by $backend', ({ backend, skip }) => {
  if (skip) {
    it.skip(`skipped: ${skip}`, () => {});
    return;
  }
  const openWindow = (pid: number) => openWindowWith(pid, { backend });
  const dir = useTempDir(`fperf-counts-${backend}`);
  let exe: string;
  const targets: TargetProcess[] = [];
  beforeAll(() => {
    exe = compileFixture('workloads', dir);
  });
  afterEach(async () => {
    for (const t of targets.splice(0)) t.kill();
  });

  async function start(): Promise<TargetProcess> {
    const target = await TargetProcess.start([exe], { mode: 'off' });
    targets.push(target);
    await target.waitFor(/^ready/);
    return target;
  }

  it('a function that touches N fresh pages shows N page faults per call, its caller only its own', async () => {
    const target = await start();
    const window = await openWindow(target.pid);
    await target.ask('pages 64 10', /^done/);
    await target.ask('outer 32 5', /^done/);
    const result = await window.end();
    const rows = rowsByName(result);
    const pages = rows.get('touch_pages')!;
    expect(pages).toMatchObject({ calls: 15, samples: 15 });
    expect(pages.avg('PAGE-FAULTS')).toBeGreaterThanOrEqual((10 * 64 + 5 * 32) / 15);
    expect(pages.avg('PAGE-FAULTS')).toBeLessThan((10 * 64 + 5 * 32) / 15 + 2);
    const outer = rows.get('outer')!;
    expect(outer.samples).toBe(5);
    expect(outer.avg('PAGE-FAULTS')).toBeGreaterThanOrEqual(64); // its 32 and touch_pages' 32
    expect(outer.avg('PAGE-FAULTS', 'exclusive')).toBeGreaterThanOrEqual(32);
    expect(outer.avg('PAGE-FAULTS', 'exclusive')).toBeLessThan(34);
    expect(result.status.threadSetFailures).toBe(0);
  });

  it('a function that sleeps shows context switches and little CPU; a busy loop CPU in proportion to its iterations', async () => {
    const target = await start();
    const window = await openWindow(target.pid);
    await target.ask('nap 5 4', /^done/);
    await target.ask('spin 32000000 3', /^done/);
    const spinShort = rowsByName(await window.end()).get('spin')!;
    const naps = rowsByName(await window.result).get('nap')!;
    expect(naps.samples).toBe(4);
    expect(naps.avg('CONTEXT-SWITCHES')).toBeGreaterThanOrEqual(1);
    expect(naps.avg('TASK-CLOCK')).toBeLessThan(1e6); // 5 ms asleep, not on the CPU

    const longer = await openWindow(target.pid);
    await target.ask('spin 128000000 3', /^done/);
    const spinLong = rowsByName(await longer.end()).get('spin')!;
    expect(spinShort.samples).toBe(3);
    expect(spinLong.samples).toBe(3);
    const ratio = spinLong.avg('TASK-CLOCK') / spinShort.avg('TASK-CLOCK');
    // 4 in theory, and 4.0 ± 0.3 in most runs; but on a VM a sample now and then comes
    // out several ms long (steal time counts as task-clock): 2.6, 6.8, 7.7 and, with
    // spins of only 2.5 and 10 ms on a faster CPU, 11.3 were seen. Spins four times
    // that long (about 10 and 40 ms there) keep such an outlier a small part of the mean. A per-call cost that did not follow
    // the work would give about 1.
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(10);
    expect(spinShort.avg('PAGE-FAULTS')).toBeLessThan(1);
  });

  it('attributes recursion level by level: exclusive is each level\'s own, inclusive the levels below too', async () => {
    const target = await start();
    const window = await openWindow(target.pid);
    await target.ask('recurse 6 16', /^done/);
    const recurse = rowsByName(await window.end()).get('recurse')!;
    expect(recurse).toMatchObject({ calls: 6, samples: 6 });
    expect(recurse.avg('PAGE-FAULTS', 'exclusive')).toBeGreaterThanOrEqual(16);
    expect(recurse.avg('PAGE-FAULTS', 'exclusive')).toBeLessThan(18);
    // each activation includes those below it: 16 × (6 + 5 + … + 1) / 6 on average
    expect(recurse.avg('PAGE-FAULTS')).toBeGreaterThanOrEqual(56);
    expect(recurse.avg('PAGE-FAULTS')).toBeLessThan(60);
  });

  it('counts each thread with its own event set and sums them per function', async () => {
    const target = await start();
    const window = await openWindow(target.pid);
    await target.ask('threads 4 16 5', /^done/);
    const result = await window.end();
    const rows = rowsByName(result);
    expect(rows.get('touch_pages')).toMatchObject({ calls: 20, samples: 20 });
    expect(rows.get('touch_pages')!.avg('PAGE-FAULTS')).toBeGreaterThanOrEqual(16);
    expect(rows.get('touch_pages')!.avg('PAGE-FAULTS')).toBeLessThan(18);
    // a worker's inclusive count is its five calls: its own thread's counter, not another's
    expect(rows.get('worker')).toMatchObject({ calls: 4, samples: 4 });
    expect(rows.get('worker')!.avg('PAGE-FAULTS')).toBeGreaterThanOrEqual(80);
    expect(rows.get('worker')!.avg('PAGE-FAULTS')).toBeLessThan(90);
    expect(result.status.threadSets).toBeGreaterThanOrEqual(4);
    expect(result.status.threadSetFailures).toBe(0);
  });
});
