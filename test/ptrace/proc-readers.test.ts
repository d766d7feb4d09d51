/** The pure /proc readers: maps parsing, threads and status of a real process. */
import { describe, expect, it } from 'vitest';
import { mappingAt, parseMaps, readMaps } from '../../src/process/maps.js';
import { listThreads, readStatus } from '../../src/process/proc-status.js';

const SAMPLE = [
  '55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1835012                    /usr/bin/my service',
  '55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 1835012                    /usr/bin/my service',
  '7f1e2c000000-7f1e2c021000 rw-s 00000000 00:05 42                         /dev/shm/iprobe (deleted)',
  '7ffd7a1d3000-7ffd7a1f4000 rw-p 00000000 00:00 0                          [stack]',
  '7f1e2d000000-7f1e2d001000 ---p 00000000 00:00 0 ',
].join('\n');

describe('parseMaps', () => {
  it('reads every field, paths with spaces, deleted files and anonymous memory', () => {
    const [ro, text, shm, stack, guard] = parseMaps(SAMPLE);
    expect(text).toEqual({
      start: 0x55d0c0a01000,
      end: 0x55d0c0a02000,
      perms: 'r-xp',
      readable: true,
      writable: false,
      executable: true,
      shared: false,
      offset: 0x1000,
      device: 'fd:01',
      inode: 1835012,
      path: '/usr/bin/my service',
      deleted: false,
    });
    expect(ro!.executable).toBe(false);
    expect(shm).toMatchObject({ shared: true, writable: true, path: '/dev/shm/iprobe', deleted: true });
    expect(stack!.path).toBe('[stack]');
    expect(guard).toMatchObject({ readable: false, path: '' });
  });

  it('rejects a line it does not understand', () => {
    expect(() => parseMaps('not a maps line')).toThrow(/unexpected \/proc\/PID\/maps line/);
  });

  it('finds the mapping of an address in this process', async () => {
    const maps = await readMaps(process.pid);
    const stack = maps.find((m) => m.path === '[stack]')!;
    expect(mappingAt(maps, stack.start + 8)).toBe(stack);
    expect(mappingAt(maps, 8)).toBeUndefined();
    expect(maps.some((m) => m.executable && m.path === process.execPath)).toBe(true);
  });
});

describe('status and threads', () => {
  it('lists the threads of this process and reads its status', () => {
    const threads = listThreads(process.pid);
    expect(threads).toContain(process.pid);
    const status = readStatus(process.pid)!;
    expect(status.tgid).toBe(process.pid);
    expect(status.ppid).toBe(process.ppid);
    expect(status.tracerPid).toBe(0);
    expect(status.uids[0]).toBe(process.getuid!());
    expect(readStatus(999_999_999)).toBeUndefined();
    expect(listThreads(999_999_999)).toEqual([]);
  });
});
