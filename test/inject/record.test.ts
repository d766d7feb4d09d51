/** The injection record: round trip, and stale records (pid reused, process exec'ed) removed when met. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInjectionRecord, recordPath, writeInjectionRecord, type InjectionRecord } from '../../src/hotpatch/injection-record.js';
import { processStartTime } from '../../src/runtime/process-info.js';

describe('injection record', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'iprobe-state-'));
  const record = (startTime: bigint): InjectionRecord => ({
    pid: process.pid,
    startTime,
    runtime: '/opt/iprobe/libiprobe_runtime.so',
    injectedAt: '2026-01-01T00:00:00.000Z',
    slots: [{ object: '/srv/app', hook: '__cyg_profile_func_enter', address: 0x55d0_0000_4048, original: 0x55d0_0000_10c6n, replacement: 0x7f00_0000_14d0n }],
  });
  beforeAll(() => {
    process.env.IPROBE_STATE_DIR = dir;
  });
  afterAll(() => {
    delete process.env.IPROBE_STATE_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what was written for this process', () => {
    const mine = record(processStartTime(process.pid)!);
    writeInjectionRecord(mine);
    expect(recordPath(process.pid)).toBe(path.join(dir, `${process.pid}.json`));
    expect(readInjectionRecord(process.pid, true)).toEqual(mine);
  });

  it('removes the record of an earlier process that had the same pid', () => {
    writeInjectionRecord(record(processStartTime(process.pid)! - 1n));
    expect(readInjectionRecord(process.pid, true)).toBeUndefined();
    expect(existsSync(recordPath(process.pid))).toBe(false);
  });

  it('removes the record of a process that no longer maps the runtime (exec)', () => {
    writeInjectionRecord(record(processStartTime(process.pid)!));
    expect(readInjectionRecord(process.pid, false)).toBeUndefined();
    expect(existsSync(recordPath(process.pid))).toBe(false);
  });
});
