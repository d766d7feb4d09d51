/**
 * Two ways injection cannot know the loader lock is free, and what it says:
 * a thread whose stack the unwinder cannot follow (it may be inside dlopen
 * or malloc somewhere below), refused after the usual retries with the
 * target left running, untraced and unchanged; and a dlopen that does not
 * return in time, abandoned with the loader lock possibly still held, which
 * the error must say instead of claiming the thread was put back as it was;
 * when that dlopen had mapped the runtime, the record marks it abandoned and
 * no later iprobe uses it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planInjection } from '../../src/hotpatch/injection-plan.js';
import { recordPath, removeInjectionRecord } from '../../src/hotpatch/injection-record.js';
import { loadedObjects } from '../../src/hotpatch/loaded-objects.js';
import { attachRuntime } from '../../src/hotpatch/runtime-injection.js';
import { injectLibrary, RTLD_NOW } from '../../src/process/library-injection.js';
import { readMaps } from '../../src/process/maps.js';
import { compileFixture, sleep, threadStates, tracerOf } from '../ptrace/target.js';
import { compile } from '../support/compile.js';
import { fixture } from '../support/paths.js';
import { PlainTarget, scratch } from './plain-target.js';

async function objectsOf(pid: number) {
  return loadedObjects(await readMaps(pid));
}

function expectUntraced(pid: number): void {
  expect(tracerOf(pid)).toBe(0);
  expect(threadStates(pid).every((s) => s !== 't' && s !== 'T')).toBe(true);
}

const maps = (pid: number) => readFileSync(`/proc/${pid}/maps`, 'utf8');

describe('a thread whose stack cannot be unwound', () => {
  it('is taken as possibly holding the loader lock: refused after the retries, the target runs on unchanged', async () => {
    const exe = compileFixture(path.join('..', 'inject', 'no-unwind-info.c'), ['-pthread'], 'no-unwind-info');
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/spinning/);
      const first = await target.ask('report', /spins (\d+) steps (\d+) errors (\d+)/);
      const mapsBefore = maps(target.pid);
      let message = '';
      await attachRuntime(target.pid, await objectsOf(target.pid)).then(
        () => expect.unreachable('the injection should have been refused'),
        (err: Error) => (message = err.message),
      );
      expect(message).toMatch(
        /^thread (\d+)'s stack could not be unwound past 0x[0-9a-f]+ \(libdwfl: [^)]+\) at each of 20 stops over \d+ ms: it may hold the loader or malloc lock, so nothing was loaded; try again, or start the program with iprobe run$/,
      );
      const tid = Number(/^thread (\d+)/.exec(message)![1]);
      expect(tid).not.toBe(target.pid);
      expect(existsSync(`/proc/${target.pid}/task/${tid}`)).toBe(true);
      // Nothing loaded, nothing mapped or unmapped, no record, nobody tracing.
      expect(maps(target.pid)).toBe(mapsBefore);
      expect(target.maps('libiprobe_runtime')).toEqual([]);
      expect(existsSync(recordPath(target.pid))).toBe(false);
      expectUntraced(target.pid);
      // Both threads run on, and correctly.
      await sleep(50);
      const after = await target.ask('report', /spins (\d+) steps (\d+) errors (\d+)/);
      expect(BigInt(after[1]!)).toBeGreaterThan(BigInt(first[1]!));
      expect(BigInt(after[2]!)).toBeGreaterThan(BigInt(first[2]!));
      expect(after[3]).toBe('0');
      // Once the thread is back in code with unwind information, the same injection goes through.
      await target.ask('release', /released/);
      const attached = await attachRuntime(target.pid, await objectsOf(target.pid));
      expect(attached.origin).toBe('injected');
      expect(target.maps('libiprobe_runtime').length).toBeGreaterThan(0);
      expectUntraced(target.pid);
    } finally {
      target.kill();
    }
  });
});

describe('a dlopen that does not return in time', () => {
  it('says the loader lock may be left held, and it is', async () => {
    const exe = compileFixture(path.join('..', 'inject', 'loader-holder.c'), ['-ldl'], 'loader-holder');
    const slow = await compile({
      sources: [fixture('inject', 'slow-constructor.c')],
      output: path.join(scratch, 'libslow-timeout.so'),
      flags: ['-O2'],
      shared: true,
    });
    const other = await compile({
      sources: [fixture('inject', 'missing-dependency.c')],
      output: path.join(scratch, 'libafter-timeout.so'),
      flags: ['-O2'],
      shared: true,
    });
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/ready/);
      const plan = await planInjection(target.pid, await objectsOf(target.pid));
      let message = '';
      await injectLibrary(target.pid, {
        library: slow,
        dlopen: plan.dlopen,
        dlerror: plan.dlerror,
        flags: RTLD_NOW,
        busy: plan.busy,
        callTimeoutMs: 300,
      }).then(
        () => expect.unreachable('the slow constructor should have outlasted the timeout'),
        (err: Error) => (message = err.message),
      );
      expect(message).toMatch(
        new RegExp(
          `^dlopen\\(${slow.replace(/[.]/g, '\\.')}\\) in thread (\\d+) of process ${target.pid} did not return within 300 ms and was abandoned: ` +
            `thread \\1 runs on from where it was stopped, but dlopen may have been left half-way with the loader lock \\(or a malloc lock\\) still held by thread \\1, ` +
            `so dlopen, dlclose, dl_iterate_phdr or C\\+\\+ exceptions in other threads may block for good, and the library may be partly loaded; ` +
            `restart the process to be sure it is sound$`,
        ),
      );
      expect(message).not.toMatch(/put back as it was/);
      await target.waitFor(/constructor running/);
      expectUntraced(target.pid);
      expect(target.alive).toBe(true);
      // What the message warns of: the library is mapped, and another thread's dlopen now waits for good.
      expect(target.maps('libslow-timeout').length).toBeGreaterThan(0);
      target.send(`hold ${other}`);
      await sleep(1000);
      expect(target.output()).not.toMatch(/loaded|dlopen failed/);
      expect((await target.ask('report', /errors (\d+) allocations (\d+)/))[1]).toBe('0');
    } finally {
      target.kill();
    }
  });
});

describe('an injection of the runtime abandoned with the runtime mapped', () => {
  afterEach(() => {
    delete process.env.IPROBE_TEST_DLOPEN_TIMEOUT_MS;
  });

  it('is recorded as abandoned, and that runtime is never used', async () => {
    const exe = compileFixture(path.join('..', 'inject', 'loader-holder.c'), ['-ldl'], 'loader-holder');
    const auditor = await compile({
      sources: [fixture('inject', 'audit-blocks-runtime.c')],
      output: path.join(scratch, 'libaudit-blocks-runtime.so'),
      flags: ['-O2'],
      shared: true,
    });
    const target = await PlainTarget.start([exe], { LD_AUDIT: auditor });
    try {
      await target.waitFor(/ready/);
      process.env.IPROBE_TEST_DLOPEN_TIMEOUT_MS = '300';
      await expect(attachRuntime(target.pid, await objectsOf(target.pid))).rejects.toThrow(
        new RegExp(
          `^dlopen\\(\\S+libiprobe_runtime\\.so\\) in thread \\d+ of process ${target.pid} did not return within 300 ms and was abandoned: .*loader lock.*; ` +
            `\\S+libiprobe_runtime\\.so is mapped in process ${target.pid} but was never seen to load: iprobe will not use it in this process$`,
        ),
      );
      expectUntraced(target.pid);
      expect(target.maps('libiprobe_runtime').length).toBeGreaterThan(0);
      const record = JSON.parse(readFileSync(recordPath(target.pid), 'utf8'));
      expect(record.abandoned).toMatch(/did not return within 300 ms/);
      expect(record.slots).toEqual([]);
      delete process.env.IPROBE_TEST_DLOPEN_TIMEOUT_MS;
      await expect(attachRuntime(target.pid, await objectsOf(target.pid))).rejects.toThrow(
        new RegExp(`^process ${target.pid} maps the iprobe runtime \\S+ from an injection at \\S+ whose dlopen was abandoned half-way`),
      );
      expectUntraced(target.pid);
      expect((await target.ask('report', /errors (\d+) allocations (\d+)/))[1]).toBe('0');
    } finally {
      target.kill();
      removeInjectionRecord(target.pid);
    }
  });
});
