/**
 * Injection that cannot or does not succeed: the target runs on unharmed
 * (its threads keep computing correctly, no GOT slot or site changed, no
 * library left mapped) and iprobe says why. Also the processes injection
 * refuses: statically linked, not glibc, seccomp-filtered, and a thread
 * holding the loader lock.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { planInjection } from '../../src/hotpatch/injection-plan.js';
import { recordPath } from '../../src/hotpatch/injection-record.js';
import { loadedObjects } from '../../src/hotpatch/loaded-objects.js';
import { processProbes } from '../../src/hotpatch/process-probes.js';
import { switchProbes } from '../../src/hotpatch/probe-switch.js';
import { DEFAULT_KINDS } from '../../src/hotpatch/site-selection.js';
import { attachRuntime } from '../../src/hotpatch/runtime-injection.js';
import { readMaps } from '../../src/process/maps.js';
import { readMemory } from '../../src/process/patch-engine.js';
import { compileFixture, threadStates, tracerOf } from '../ptrace/target.js';
import { cannotBuildMusl, cannotFilterSyscalls, skipWhenMissing } from '../support/capabilities.js';
import { compile } from '../support/compile.js';
import { fixture } from '../support/paths.js';
import { buildWorkers, LAYOUTS } from './fixture-build.js';
import { PlainTarget, scratch } from './plain-target.js';

const SELECTION = { functions: ['step', 'counted'], all: false, kinds: DEFAULT_KINDS };

async function objectsOf(pid: number) {
  return loadedObjects(await readMaps(pid));
}

async function library(name: string, source: string, libraries: string[] = []): Promise<string> {
  return compile({ sources: [fixture('inject', source)], output: path.join(scratch, name), flags: ['-O2'], shared: true, libraries });
}

function expectUntraced(pid: number): void {
  expect(tracerOf(pid)).toBe(0);
  expect(threadStates(pid).every((s) => s !== 't' && s !== 'T')).toBe(true);
}

describe('injection that fails leaves the target as it was', () => {
  let exe: string;
  let target: PlainTarget;
  let snapshot: () => Promise<Buffer>;

  beforeAll(async () => {
    ({ exe } = await buildWorkers(LAYOUTS[0]!));
    target = await PlainTarget.start([exe]);
    await target.waitFor(/ready 8/);
    await target.ask('spin', /spinning/);
    const { probed } = await processProbes(target.pid);
    // Every site and hook slot of both objects, as bytes.
    const ranges = probed.flatMap((o) => [
      ...o.list.sites.map((s) => ({ address: s.address + o.bias, length: s.length })),
      ...[...o.list.hooks.entry.got, ...o.list.hooks.exit.got].map((g) => ({ address: g + o.bias, length: 8 })),
    ]);
    snapshot = async () => Buffer.concat((await readMemory(target.pid, ranges)).map((b) => Buffer.from(b!)));
  });
  afterEach(() => {
    delete process.env.IPROBE_RUNTIME_LIBRARY;
  });
  afterAll(() => target?.kill());

  async function expectUnharmed(before: Buffer, leftover: string): Promise<void> {
    expect(await snapshot()).toEqual(before);
    expect(target.maps(leftover)).toEqual([]);
    expect(existsSync(recordPath(target.pid))).toBe(false);
    expectUntraced(target.pid);
    const report = await target.ask('report', /errors (\d+) steps (\d+)/);
    expect(report[1]).toBe('0');
  }

  it('the runtime library does not exist', async () => {
    const before = await snapshot();
    process.env.IPROBE_RUNTIME_LIBRARY = path.join(scratch, 'no-such-runtime.so');
    await expect(switchProbes({ pid: target.pid, on: true, selection: SELECTION })).rejects.toThrow(
      /the iprobe runtime library .*no-such-runtime\.so does not exist; nothing was done/,
    );
    await expectUnharmed(before, 'no-such-runtime');
  });

  it('dlopen fails inside the target (a missing dependency), with dlerror as the reason', async () => {
    const gone = await library('libiprobe-gone.so', 'missing-dependency.c');
    // --no-as-needed: the dependency defines nothing the library uses, and must stay in DT_NEEDED.
    const needsGone = await library('libneeds-gone.so', 'missing-dependency.c', ['-Wl,--no-as-needed', `-L${scratch}`, '-liprobe-gone']);
    rmSync(gone);
    const before = await snapshot();
    process.env.IPROBE_RUNTIME_LIBRARY = needsGone;
    await expect(switchProbes({ pid: target.pid, on: true, selection: SELECTION })).rejects.toThrow(
      new RegExp(`dlopen inside process ${target.pid} failed: libiprobe-gone\\.so: cannot open shared object file`),
    );
    await expectUnharmed(before, 'needs-gone');
  });

  it('the target exits during the injection', async () => {
    const victim = await PlainTarget.start([exe]);
    await victim.waitFor(/ready 8/);
    await victim.ask('spin', /spinning/);
    process.env.IPROBE_RUNTIME_LIBRARY = await library('libexit.so', 'exit-constructor.c');
    await expect(switchProbes({ pid: victim.pid, on: true, selection: SELECTION })).rejects.toThrow(
      new RegExp(`process ${victim.pid} exited during the operation`),
    );
    expect(victim.alive).toBe(false);
    expect(existsSync(recordPath(victim.pid))).toBe(false);
    victim.kill();
  });
});

describe('processes injection refuses or waits for', () => {
  it('waits while a thread holds the loader lock, says so if it never clears, and loads once it does', async () => {
    const exe = compileFixture(path.join('..', 'inject', 'loader-holder.c'), ['-ldl'], 'loader-holder');
    const slow = await library('libslow-constructor.so', 'slow-constructor.c');
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/ready/);
      await target.ask(`hold ${slow}`, /constructor running/);
      await expect(attachRuntime(target.pid, await objectsOf(target.pid))).rejects.toThrow(
        /thread \d+ is inside the dynamic loader \(ld-linux-x86-64\.so\.2\).* at each of 20 stops over \d+ ms; it may hold a lock that dlopen needs, so nothing was loaded/,
      );
      expect(target.maps('libiprobe_runtime')).toEqual([]);
      expectUntraced(target.pid);
      process.kill(target.pid, 'SIGUSR1');
      await target.waitFor(/loaded/);
      // Two threads allocate all the time: stops inside malloc are retried until one is clear.
      const attached = await attachRuntime(target.pid, await objectsOf(target.pid));
      expect(attached.origin).toBe('injected');
      expect(attached.injection!.attempts).toBeGreaterThanOrEqual(1);
      expect(target.maps('libiprobe_runtime').length).toBeGreaterThan(0);
      expect((await target.ask('report', /errors (\d+) allocations (\d+)/))[1]).toBe('0');
    } finally {
      target.kill();
    }
  });

  it('names the system calls a seccomp filter forbids, and loads nothing', async (ctx) => {
    skipWhenMissing(ctx, cannotFilterSyscalls());
    const exe = compileFixture(path.join('..', 'inject', 'seccomp-openat.c'), [], 'seccomp-openat');
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/filtered/);
      await expect(attachRuntime(target.pid, await objectsOf(target.pid))).rejects.toThrow(
        /the seccomp filter of thread \d+ of process \d+ forbids system calls that loading a library needs: openat \(errno 13\)/,
      );
      expect(target.maps('libiprobe_runtime')).toEqual([]);
      expectUntraced(target.pid);
      expect((await target.ask('report', /errors (\d+) steps (\d+)/))[1]).toBe('0');
    } finally {
      target.kill();
    }
  });

  it('refuses a statically linked process', async (ctx) => {
    // Its program is the seccomp one, linked statically: it prints nothing until its filter is in.
    skipWhenMissing(ctx, cannotFilterSyscalls());
    const exe = compileFixture(path.join('..', 'inject', 'seccomp-openat.c'), ['-static'], 'static-program');
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/filtered/);
      await expect(planInjection(target.pid, await objectsOf(target.pid))).rejects.toThrow(/is statically linked: it has no dynamic loader/);
    } finally {
      target.kill();
    }
  });

  it('refuses a process that does not run on glibc (musl)', async (ctx) => {
    skipWhenMissing(ctx, cannotBuildMusl());
    const exe = path.join(scratch, 'musl-program');
    execFileSync('musl-gcc', ['-O2', '-o', exe, fixture('inject', 'callee.c'), '-lpthread']);
    const target = await PlainTarget.start([exe]);
    try {
      await target.waitFor(/tid fpu/);
      await expect(planInjection(target.pid, await objectsOf(target.pid))).rejects.toThrow(
        /does not run on glibc \(its dynamic loader is \/lib\/ld-musl-x86_64\.so\.1\)/,
      );
    } finally {
      target.kill();
    }
  });
});
