/**
 * The remote-call primitive on its own: a live multi-threaded process calls
 * its own functions through a borrowed thread, 100 times over, borrowing a
 * thread blocked in read() (-ERESTARTSYS), one in clock_nanosleep
 * (-ERESTART_RESTARTBLOCK) and one computing in SSE registers with a
 * non-default rounding mode; each checks it was put back exactly.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInProcess } from '../../src/process/remote-call.js';
import { compileFixture, threadStates, tracerOf } from '../ptrace/target.js';
import { PlainTarget } from './plain-target.js';

describe('remote call', () => {
  let target: PlainTarget;
  let tids: Record<string, number>;

  beforeAll(async () => {
    const exe = compileFixture(path.join('..', 'inject', 'callee.c'), ['-Wl,--no-as-needed', '-lm'], 'callee');
    target = await PlainTarget.start([exe]);
    await target.waitFor(/tid fpu \d+/);
    tids = Object.fromEntries([...target.output().matchAll(/^tid (\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  });
  afterAll(() => target?.kill());

  it('passes six arguments and returns the function result, in whichever thread it borrows', async () => {
    const add6 = target.addressOf('add6');
    for (const tid of [undefined, tids.main, tids.sleeper, tids.fpu]) {
      const result = await callInProcess(target.pid, { function: add6, args: [1n, 2n, 3n, 4n, 5n, 6n], tid });
      expect(result.value).toBe(91n);
      if (tid) expect(result.tid).toBe(tid);
    }
  });

  it('calls getpid, copies data onto the stack, aligns the stack and gives the callee a clean FPU state', async () => {
    expect((await callInProcess(target.pid, { function: target.addressOf('getpid') })).value).toBe(BigInt(target.pid));
    const text = new TextEncoder().encode('iprobe\0');
    const sum = [...'iprobe'].reduce((s, c) => s + c.charCodeAt(0), 0);
    expect((await callInProcess(target.pid, { function: target.addressOf('sum_bytes'), data: text, dataArg: 0 })).value).toBe(BigInt(sum));
    for (const tid of [tids.main, tids.sleeper, tids.fpu]) {
      expect((await callInProcess(target.pid, { function: target.addressOf('stack_misalignment'), tid })).value).toBe(0n);
      // The fpu thread rounds upward (and checks it still does); the call sees the default, to nearest (0).
      expect((await callInProcess(target.pid, { function: target.addressOf('rounding_mode'), tid })).value).toBe(0n);
    }
  });

  it('puts every thread back exactly as it was, 100 times over', async () => {
    const { value: before } = await callInProcess(target.pid, { function: target.addressOf('add6'), args: [0n, 0n, 0n, 0n, 0n, 1n] });
    expect(before).toBe(6n);
    const first = await target.ask('report', /errors (\d+) sleeps (\d+) rounds (\d+)/);
    const threads = [tids.main!, tids.sleeper!, tids.fpu!];
    for (let i = 0; i < 100; i++) {
      const tid = threads[i % threads.length];
      const a = BigInt(i);
      const { value } = await callInProcess(target.pid, { function: target.addressOf('add6'), args: [a, a, a, a, a, a], tid });
      expect(value).toBe(21n * a);
    }
    // The main thread was borrowed out of read() 34 times and still reads its commands.
    const after = await target.ask('report', /errors (\d+) sleeps (\d+) rounds (\d+)/);
    expect(after[1]).toBe('0');
    expect(first[1]).toBe('0');
    expect(Number(after[2])).toBeGreaterThan(Number(first[2]));
    expect(Number(after[3])).toBeGreaterThan(Number(first[3]));
    expect(tracerOf(target.pid)).toBe(0);
    expect(threadStates(target.pid).every((s) => s !== 't' && s !== 'T')).toBe(true);
  });

  it('fails cleanly on a function that crashes, and the thread runs on', async () => {
    await expect(callInProcess(target.pid, { function: 0x10000n, tid: tids.fpu })).rejects.toThrow(/faulted: signal 11/);
    const report = await target.ask('report', /errors (\d+) sleeps (\d+) rounds (\d+)/);
    expect(report[1]).toBe('0');
  });
});
