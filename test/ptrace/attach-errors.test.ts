/**
 * Every way an attach can fail must end in one clear line, with the target
 * exactly as it was: missing, exited or zombie processes, other debuggers,
 * other users, other architectures, threads that cannot stop.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patchSites, readMemory } from '../../src/process/patch-engine.js';
import { UserError } from '../../src/util/user-error.js';
import { cannotRun32Bit, missingCommand, notRoot, skipWhenMissing } from '../support/capabilities.js';
import {
  compileFixture,
  ensureBuilt,
  processState,
  repoRoot,
  scratchPath,
  startTarget,
  threadStates,
  tracerOf,
  waitUntil,
  fixturesDir,
  type Target,
} from './target.js';

async function failureOf(promise: Promise<unknown>): Promise<UserError> {
  const failure = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(UserError);
  return failure as UserError;
}

let hammer: string;
let vforker: string;
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function startHammer(): Promise<Target> {
  const target = await startTarget(hammer, ['2']);
  cleanup.push(() => target.kill());
  await target.waitForOutput(/^ready$/m);
  return target;
}

function startDebugger(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  cleanup.push(() => child.kill('SIGKILL'));
  return child;
}

beforeAll(() => {
  hammer = compileFixture('hammer.c');
  vforker = compileFixture('vforker.c');
});

describe('processes that cannot be patched', () => {
  it('names a pid that does not exist', async () => {
    let pid = 4_000_000;
    while (existsSync(`/proc/${pid}`)) pid--;
    const failure = await failureOf(patchSites(pid, []));
    expect(failure.message).toBe(`no process with pid ${pid}`);
    await expect(readMemory(pid, [{ address: 4096, length: 1 }])).rejects.toThrow(`no process with pid ${pid}`);
  });

  it('refuses a thread id and names its process', async () => {
    const target = await startHammer();
    const tid = Number(execFileSync('ls', [`/proc/${target.pid}/task`], { encoding: 'utf8' }).split('\n')[1]);
    const failure = await failureOf(patchSites(tid, []));
    expect(failure.message).toBe(`${tid} is a thread of process ${target.pid}`);
  });

  it('recognises a zombie', async () => {
    // Its child exits at once and it never reaps it. (A shell's `true & exec
    // sleep` is racy: the shell may reap the job before it execs.)
    const parent = spawn(compileFixture('zombie_parent.c'), [], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanup.push(() => parent.kill('SIGKILL'));
    const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d))));
    await waitUntil('the zombie', () => processState(zombie) === 'Z');
    const failure = await failureOf(patchSites(zombie, []));
    expect(failure.message).toMatch(`process ${zombie} is a zombie`);
  });

  it('refuses a 32-bit process', async (ctx) => {
    skipWhenMissing(ctx, cannotRun32Bit());
    const object = scratchPath('i386_pause.o');
    const exe = scratchPath('i386_pause');
    execFileSync('as', ['--32', '-o', object, path.join(fixturesDir, 'i386_pause.s')]);
    execFileSync('ld', ['-m', 'elf_i386', '-o', exe, object]);
    const target = await startTarget(exe);
    cleanup.push(() => target.kill());
    await waitUntil('the i386 process', () => processState(target.pid) === 'S');
    const failure = await failureOf(patchSites(target.pid, []));
    expect(failure.message).toBe(`process ${target.pid} (i386_pause) is not an x86-64 process: i386 (32-bit)`);
  });

  it('refuses a child of its own process (Node would reap its ptrace stops)', async () => {
    const child = spawn(hammer, ['1'], { stdio: 'ignore' });
    cleanup.push(() => child.kill('SIGKILL'));
    await waitUntil('the child', () => processState(child.pid!) !== undefined);
    const failure = await failureOf(patchSites(child.pid!, []));
    expect(failure.message).toBe(`process ${child.pid} is a child of this iprobe process and cannot be patched by it`);
  });
});

describe('another debugger', () => {
  it('names strace when the process is traced by strace -p', async (ctx) => {
    skipWhenMissing(ctx, missingCommand('strace'));
    const target = await startHammer();
    const strace = startDebugger('strace', ['-o', '/dev/null', '-p', String(target.pid)]);
    await waitUntil('strace to attach', () => tracerOf(target.pid) !== 0);
    const failure = await failureOf(patchSites(target.pid, [{ address: target.site('hammer_site'), expected: new Uint8Array(5), replacement: new Uint8Array(5) }]));
    expect(failure.message).toBe(`process ${target.pid} (hammer) is already traced by strace (pid ${strace.pid})`);
    expect(failure.hint).toMatch(/detach that debugger/);
    expect(tracerOf(target.pid)).not.toBe(process.pid);
  });

  it('names gdb when the process is traced by gdb', async (ctx) => {
    skipWhenMissing(ctx, missingCommand('gdb'));
    const target = await startHammer();
    const gdb = startDebugger('gdb', ['-q', '-nx', '-batch', '-p', String(target.pid), '-ex', 'shell sleep 60']);
    await waitUntil('gdb to attach', () => tracerOf(target.pid) !== 0, 30_000);
    const failure = await failureOf(patchSites(target.pid, []));
    expect(failure.message).toBe(`process ${target.pid} (hammer) is already traced by gdb (pid ${gdb.pid})`);
  });
});

describe('permissions', () => {
  beforeAll(() => ensureBuilt());

  it('tells a non-root user that the target belongs to another uid', async (ctx) => {
    skipWhenMissing(ctx, notRoot('to run the target as root and the tool as nobody'));
    const target = await startHammer();
    const tool = spawnSync(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, path.join(repoRoot, 'test/ptrace/patch-tool.mjs'), 'once', String(target.pid), String(target.site('hammer_site'))],
      { encoding: 'utf8' },
    );
    expect(tool.status).toBe(1);
    expect(tool.stderr.trim()).toBe(
      `UserError: permission denied: process ${target.pid} runs as uid 0 (root), you are uid 65534 (nobody) (run iprobe as root, or as the user the service runs as)`,
    );
    expect(threadStates(target.pid).filter((s) => s === 't')).toEqual([]);
  });

  it('patches a process of another user as root', async (ctx) => {
    skipWhenMissing(ctx, notRoot('to start the target as nobody and patch it'));
    const target = await startTarget(hammer, ['2'], { user: 'nobody' });
    cleanup.push(() => target.kill());
    await target.waitForOutput(/^ready$/m);
    const site = target.site('hammer_site');
    const nopl5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
    const result = await patchSites(target.pid, [{ address: site, expected: nopl5, replacement: nopl5 }]);
    expect(result.threads).toBe(4);
  });
});

describe('threads that cannot stop', () => {
  it('gives up after the stop timeout, resumes the others, and lets the late thread go once it stops', async () => {
    const target = await startTarget(vforker, ['1500']);
    cleanup.push(() => target.kill());
    await target.waitForOutput(/^ready$/m);
    const failure = await failureOf(patchSites(target.pid, [], { stopTimeoutMs: 300 }));
    // The main thread waits for its vfork child inside clone().
    expect(failure.message).toBe(
      `thread ${target.pid} of process ${target.pid} did not stop within 300 ms (state D, waiting in kernel_clone)`,
    );
    // The counting thread runs again at once.
    const counter = threadStates(target.pid);
    expect(counter).toContain('R');
    // The vfork() returns, the main thread reaches its pending stop, and the
    // tracer thread detaches it between jobs.
    await target.waitForOutput(/^vfork done$/m, 10_000);
    await waitUntil('the main thread to be let go', () => tracerOf(target.pid) === 0 && processState(target.pid) === 'S');
  });

  it('reports a process killed while it is being stopped', async () => {
    const target = await startTarget(vforker, ['5000']);
    cleanup.push(() => target.kill());
    await target.waitForOutput(/^ready$/m);
    const operation = failureOf(patchSites(target.pid, [], { stopTimeoutMs: 4000 }));
    setTimeout(() => target.kill('SIGKILL'), 300);
    const failure = await operation;
    expect(failure.message).toBe(`process ${target.pid} exited during the operation; nothing is left to patch`);
  });
});
