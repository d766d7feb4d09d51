import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, statSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEADER, HEADER_SIZE, LAYOUT_VERSION } from '../../src/runtime/layout.js';
import { runtimeLibraryPath } from '../../src/runtime/library.js';
import { RuntimeSegment, removeStaleSegments, segmentPath } from '../../src/runtime/segment.js';
import { UserError } from '../../src/util/user-error.js';
import { notRoot, skipWhenMissing } from '../support/capabilities.js';
import { IPROBE_CLI } from '../support/paths.js';
import { Fixture, callsByName, compileFixture, fixtureBuildDir, fixtureDir, trackFixtures } from './helpers.js';

describe('segment lifecycle', () => {
  let control: string;
  const running = trackFixtures();
  beforeAll(() => {
    control = compileFixture('control.c');
  });

  it('is created 0600 for the process owner and removed when the process exits normally', async () => {
    const fixture = Fixture.start(control, [], 'count');
    running.push(fixture);
    await fixture.ask('call 1');
    const stat = statSync(fixture.segmentPath);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.uid).toBe(process.getuid!());
    const segment = fixture.open();
    expect(segment.header()).toMatchObject({ pid: fixture.pid, uid: process.getuid!(), exited: false });
    expect(await fixture.finish()).toEqual({ code: 0, signal: null });
    expect(existsSync(fixture.segmentPath)).toBe(false);
    // a reader that still has it mapped can read the final state
    expect(segment.header().exited).toBe(true);
    expect(callsByName(segment, control).get('step')).toBe(1);
    segment.close();
  });

  it('finds and removes the stale segment of a killed process', async () => {
    const fixture = Fixture.start(control, [], 'count');
    running.push(fixture);
    await fixture.ask('call 1');
    fixture.child.kill('SIGKILL');
    await fixture.exited;
    expect(existsSync(fixture.segmentPath)).toBe(true);
    expect(() => RuntimeSegment.open(fixture.pid)).toThrow(/no process/);
    expect(existsSync(fixture.segmentPath)).toBe(false);
  });

  it('removeStaleSegments removes dead processes\' segments only', async () => {
    const dead = Fixture.start(control, [], 'count');
    const alive = Fixture.start(control, [], 'count');
    running.push(dead, alive);
    await dead.ask('call 1');
    await alive.ask('call 1');
    dead.child.kill('SIGKILL');
    await dead.exited;
    expect(removeStaleSegments()).toContain(dead.segmentPath);
    expect(existsSync(dead.segmentPath)).toBe(false);
    expect(existsSync(alive.segmentPath)).toBe(true);
  });

  it('says so when the process has no runtime', async () => {
    const plain = Fixture.startPlain(control, []);
    running.push(plain);
    await plain.ask('call 1');
    expect(() => RuntimeSegment.open(plain.pid)).toThrow(/no iprobe runtime in process/);
    expect(() => RuntimeSegment.open(2 ** 22 + 12345)).toThrow(/no process/);
  });

  it('tells another user that the segment is not theirs', async (context) => {
    skipWhenMissing(context, notRoot('to become another user'));
    const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
    if (spawnSync('setpriv', [...nobody, 'test', '-r', IPROBE_CLI]).status !== 0) {
      skipWhenMissing(context, `user nobody cannot read ${IPROBE_CLI} (not built, or the checkout is not readable by others)`);
    }
    const fixture = Fixture.start(control, [], 'count');
    running.push(fixture);
    await fixture.ask('call 1');
    const asNobody = spawnSync('setpriv', [...nobody, 'node', IPROBE_CLI, 'runtime', String(fixture.pid)], { encoding: 'utf8' });
    expect(asNobody.status).toBe(1);
    expect(asNobody.stderr).toContain(`permission denied: ${fixture.segmentPath} (the segment is readable by the target's user only`);
  });

  it('refuses a segment planted for another process', async () => {
    const small = { IPROBE_FUNCTIONS: '64', IPROBE_THREADS: '1', IPROBE_RING_EVENTS: '64' };
    const live = Fixture.start(control, [], 'count', small);
    const plain = Fixture.startPlain(control, []);
    running.push(live, plain);
    await live.ask('call 1');
    await plain.ask('call 1');
    copyFileSync(live.segmentPath, plain.segmentPath); // live's segment under plain's pid
    try {
      expect(() => RuntimeSegment.open(plain.pid)).toThrow(`${plain.segmentPath} does not belong to process ${plain.pid}`);
    } finally {
      rmSync(plain.segmentPath, { force: true });
    }
  });

  it('refuses a layout version it does not know', async () => {
    const live = Fixture.start(control, [], 'count');
    running.push(live);
    await live.ask('call 1');
    const segment = live.open();
    const header = segment.mapping.read(0, HEADER_SIZE);
    segment.close();
    const forged = `/dev/shm/iprobe-test-${process.pid}`;
    try {
      // an older runtime (version 1 had no FPerf regions) and a newer one
      for (const version of [LAYOUT_VERSION - 1, LAYOUT_VERSION + 1]) {
        header.writeUInt32LE(version, HEADER.version);
        writeFileSync(forged, Buffer.concat([header, Buffer.alloc(4096 - HEADER_SIZE)]), { mode: 0o600 });
        let error: unknown;
        try {
          RuntimeSegment.openPath(forged, live.pid);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(new RegExp(`layout version ${version}; this iprobe reads version ${LAYOUT_VERSION}`));
      }
      header.writeBigUInt64LE(0n, HEADER.magic);
      writeFileSync(forged, Buffer.concat([header, Buffer.alloc(4096 - HEADER_SIZE)]));
      expect(() => RuntimeSegment.openPath(forged, live.pid)).toThrow(/not an iprobe segment/);
    } finally {
      rmSync(forged, { force: true });
    }
  });

  it('gives the child of fork() its own segment, with its own counts', async () => {
    const exe = compileFixture('fork.c');
    const fixture = Fixture.start(exe, [], 'count');
    running.push(fixture);
    const ready = [await fixture.line(/^(parent|child) ready (\d+)/), await fixture.line(/^(parent|child) ready (\d+)/)];
    const childPid = Number(ready.find((m) => m[1] === 'child')![2]);
    expect(childPid).not.toBe(fixture.pid);
    const parent = fixture.open();
    const child = RuntimeSegment.open(childPid);
    expect(child.path).toBe(segmentPath(childPid));
    expect(statSync(child.path).mode & 0o777).toBe(0o600);
    expect(child.header().pid).toBe(childPid);
    const childCalls = callsByName(child, exe);
    expect(childCalls.get('child_work')).toBe(50);
    expect(childCalls.get('parent_work')).toBe(5);
    const parentCalls = callsByName(parent, exe);
    expect(parentCalls.get('parent_work')).toBe(100);
    expect(parentCalls.get('child_work')).toBeUndefined();
    parent.close();
    child.close();
    expect(await fixture.finish()).toEqual({ code: 0, signal: null });
    expect(existsSync(segmentPath(childPid))).toBe(false);
  });

  it('starts from a hook that runs before its own constructor (an instrumented library constructor)', async () => {
    const dir = fixtureBuildDir();
    const flags = ['-O2', '-g', '-Wall', '-Wextra', '-finstrument-functions'];
    execFileSync('gcc', [...flags, '-shared', '-fPIC', path.join(fixtureDir, 'early_lib.c'), '-o', path.join(dir, 'libearly.so')]);
    const exe = path.join(dir, 'early_main');
    execFileSync('gcc', [...flags, path.join(fixtureDir, 'early_main.c'), '-o', exe, `-L${dir}`, '-learly', `-Wl,-rpath,${dir}`]);
    const fixture = Fixture.start(exe, [], 'count');
    running.push(fixture);
    const [, address] = await fixture.line(/^early_work 0x([0-9a-f]+)/);
    const segment = fixture.open();
    const earlyWork = segment.functionStats().find((s) => s.address === parseInt(address!, 16));
    expect(earlyWork?.calls).toBe(2); // from the constructor and from main
    expect(segment.counters().uninitializedDrops).toBe(0);
    segment.close();
  });

  it('works when dlopen()ed into a process whose threads are already running', async () => {
    const exe = compileFixture('dlopen.c', ['-O2']);
    const fixture = Fixture.startPlain(exe, [runtimeLibraryPath]);
    running.push(fixture);
    const [, calls] = await fixture.line(/^ready calls=(\d+)/);
    const segment = fixture.open();
    expect(segment.mode()).toBe('count');
    expect(callsByName(segment, exe).get('target')).toBe(Number(calls));
    expect(segment.counters().threadsAttached).toBe(4);
    segment.close();
  });

  it('drops, rather than corrupts, hooks that a signal handler runs in the middle of a hook', async () => {
    const exe = compileFixture('signals.c');
    const fixture = Fixture.start(exe, ['3000000'], 'count');
    running.push(fixture);
    const [, handled, loops] = await fixture.line(/^ready handled=(\d+) loops=(\d+)/);
    const segment = fixture.open();
    const calls = callsByName(segment, exe);
    const counters = segment.counters();
    expect(calls.get('work')).toBe(Number(loops)); // the interrupted thread's own counts stay exact
    // an interrupted hook drops both hooks of in_signal
    expect((calls.get('in_signal') ?? 0) + counters.reentrantDrops / 2).toBe(Number(handled));
    expect(counters.unmatchedExits).toBe(0);
    segment.close();
  });
});
