/**
 * Event sets for real, on each counter backend this machine has (PAPI, and
 * perf_event_open directly): validation, the cost of a read, and counters
 * that count what happens on their own thread — page faults of freshly
 * touched pages, CPU time of a worker thread and not of the main thread.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import * as counters from '../../src/fperf/counter-backend.js';
import { KernelCounterError } from '../../src/native/kernel-counters.js';
import { PapiError } from '../../src/native/papi.js';
import { backendCases } from '../support/counter-backends.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SOFTWARE_SET = ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'];
const PAGE = 4096;

/** What each backend says of a name it does not know. */
const UNKNOWN = {
  papi: { check: 'no such event', thrown: /^no-such-event: Event does not exist$/, error: PapiError },
  kernel: { check: 'not a kernel generic event', thrown: /^no-such-event: not a kernel generic event$/, error: KernelCounterError },
} as const;

describe.each(backendCases())('counted by $backend', ({ backend, skip }) => {
  if (skip) {
    test.skip(`skipped: ${skip}`, () => {});
    return;
  }
  const validateEventSet = (names: string[]) => counters.validateEvents(backend, names);
  const calibrateReadCost = (names: string[], iterations?: number) => counters.calibrateReadCost(backend, names, iterations);
  const startCounting = (names: string[]) => counters.startCounting(backend, names);
  const unknown = UNKNOWN[backend];

  describe('validateEventSet', () => {
    test('a good set is added, started, read and stopped', () => {
      const check = validateEventSet(SOFTWARE_SET);
      expect(check.ok).toBe(true);
      expect(check.error).toBeUndefined();
      expect(check.events).toEqual(SOFTWARE_SET.map((name) => ({ name, ok: true })));
      expect(check.values).toHaveLength(3);
      expect(check.values.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    });

    test('every bad event is reported with its own error, and the set is not started', () => {
      const check = validateEventSet(['perf::TASK-CLOCK', 'no-such-event', 'perf::TASK-CLOCK']);
      expect(check.ok).toBe(false);
      expect(check.events).toEqual([
        { name: 'perf::TASK-CLOCK', ok: true },
        { name: 'no-such-event', ok: false, error: unknown.check },
        { name: 'perf::TASK-CLOCK', ok: false, error: 'listed twice' },
      ]);
      expect(check.error).toBe(`not started: no-such-event: ${unknown.check}; perf::TASK-CLOCK: listed twice`);
      expect(check.values).toEqual([]);
    });

    test('an empty set is refused', () => {
      expect(validateEventSet([])).toMatchObject({ ok: false, error: 'no events given', events: [] });
    });

    test('arguments are type-checked', () => {
      expect(() => validateEventSet([42 as unknown as string])).toThrow(TypeError);
    });
  });

  describe('calibrateReadCost', () => {
    test('one read costs a sane, positive number of nanoseconds', () => {
      const cost = calibrateReadCost(SOFTWARE_SET, 501);
      expect(cost.iterations).toBe(501);
      expect(cost.medianNs).toBeGreaterThan(0);
      // A read is a system call or an rdpmc: well under 100 µs on any machine.
      expect(cost.medianNs).toBeLessThan(100_000);
      expect(cost.minNs).toBeLessThanOrEqual(cost.medianNs);
      expect(cost.medianNs).toBeLessThanOrEqual(cost.p90Ns);
      expect(cost.timerOverheadNs).toBeGreaterThanOrEqual(0);
    });

    test('an event that cannot be counted is an error of the backend naming it', () => {
      expect(() => calibrateReadCost(['no-such-event'])).toThrow(unknown.error);
      expect(() => calibrateReadCost(['no-such-event'])).toThrow(unknown.thrown);
      expect(() => calibrateReadCost(SOFTWARE_SET, 0)).toThrow(TypeError);
    });
  });

  describe('counters', () => {
    test('counts only go up, and a stopped counter cannot be read', () => {
      const counter = startCounting(SOFTWARE_SET);
      const first = counter.read();
      let spin = 0;
      for (let i = 0; i < 1e6; i++) spin += i;
      const second = counter.read();
      expect(spin).toBeGreaterThan(0);
      second.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(first[i]!));
      expect(second[0]).toBeGreaterThan(first[0]!); // task clock, in ns
      const final = counter.stop();
      expect(final[0]).toBeGreaterThanOrEqual(second[0]!);
      expect(() => counter.read()).toThrow(/already stopped/);
    });

    // Transparent huge pages set to "always" would back the buffer with 2 MiB
    // pages, one fault each; the default ("madvise") leaves malloc'd memory alone.
    const thpAlways = (() => {
      try {
        return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[always]');
      } catch {
        return false;
      }
    })();

    test.skipIf(thpAlways)('perf::PAGE-FAULTS counts one fault per freshly touched page', () => {
      expect(validateEventSet(['perf::PAGE-FAULTS']).ok).toBe(true);
      // 64 MiB is above glibc's largest mmap threshold: the buffer is always a
      // fresh anonymous mapping, never reused heap pages.
      const pages = 16_384;
      const counter = startCounting(['perf::PAGE-FAULTS']);
      const buffer = Buffer.allocUnsafeSlow(pages * PAGE);
      const before = counter.read()[0]!;
      for (let offset = 0; offset < buffer.length; offset += PAGE) buffer[offset] = 1;
      const faults = counter.read()[0]! - before;
      counter.stop();
      // glibc's malloc writes its chunk header into the first page when it maps the
      // buffer, so that page has faulted before the first read: pages − 1 at least.
      expect(faults).toBeGreaterThanOrEqual(pages - 1);
      // The JavaScript engine may fault a few pages of its own meanwhile.
      expect(faults).toBeLessThan(pages * 1.02 + 64);
    });

    test('a counter counts its own thread: a worker busy for 100 ms of CPU, the main thread waiting', async () => {
      const countersModule = path.join(PROJECT_ROOT, 'dist', 'fperf', 'counter-backend.js');
      // The worker spins until its own counter shows 100 ms of CPU time (other
      // test files share the two cores, so wall time says little).
      const worker = new Worker(
        `
        const { parentPort } = require('node:worker_threads');
        import(${JSON.stringify(countersModule)}).then(({ startCounting }) => {
          const counter = startCounting(${JSON.stringify(backend)}, ['perf::TASK-CLOCK']);
          const giveUp = Date.now() + 10000;
          while (counter.read()[0] < 100e6 && Date.now() < giveUp) {}
          parentPort.postMessage(counter.stop()[0]);
        });`,
        { eval: true },
      );
      const cpuBefore = process.cpuUsage();
      const main = startCounting(['perf::TASK-CLOCK']);
      const workerNs = await new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const mainNs = main.stop()[0]!;
      const cpu = process.cpuUsage(cpuBefore);
      await worker.terminate();
      expect(workerNs).toBeGreaterThanOrEqual(100e6);
      // Per-thread: the process as a whole used at least the worker's time,
      // while the main thread's own counter saw only a small part of it.
      expect((cpu.user + cpu.system) * 1000).toBeGreaterThanOrEqual(workerNs * 0.95);
      expect(mainNs).toBeLessThan(workerNs / 2);
    });
  });
});
