/**
 * Which bytes a probe list belongs to, as `iprobe hot` checks it on a live
 * process (docs/probe-list.md, "Binding to the binary"): a list for other
 * bytes is refused, even one that shares the running file's build-id and
 * size; and checking costs nothing for the objects that have no list.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseMaps } from '../../src/process/maps.js';
import { missingCommand, skipWhenMissing } from '../support/capabilities.js';
import { compile } from '../support/compile.js';
import { buildWorkers, workersEnvironment, type WorkersBuild } from '../support/hotpatch-fixture.js';
import { iprobe, runProgram, type CliResult } from '../support/iprobe-cli.js';
import { IPROBE_CLI } from '../support/paths.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('hot-identity');
let build: WorkersBuild;
let target: TargetProcess | undefined;
const cleanups: (() => void)[] = [];
// A state directory of our own: identity digests cached by earlier runs
// must not answer for these files.
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...workersEnvironment(build), IPROBE_STATE_DIR: path.join(dir, 'state'), ...extra });

beforeAll(async () => {
  build = await buildWorkers(dir);
});

afterEach(() => {
  target?.kill();
  target = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

async function start(executable: string): Promise<TargetProcess> {
  target = await TargetProcess.start([executable], { env: env() });
  await target.waitFor(/^ready 8$/);
  return target;
}

function expectRefused(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stdout).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

const readList = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Replaces the probe list beside the running binary for one test. */
function besideList(executable: string, edit: (list: any) => void): void {
  const file = `${executable}.probes.json`;
  const saved = readFileSync(file);
  cleanups.push(() => writeFileSync(file, saved));
  const list = JSON.parse(saved.toString());
  edit(list);
  writeFileSync(file, JSON.stringify(list));
}

describe('a probe list for other bytes is refused', () => {
  test('the uninstrumented input: same build-id, same size, other loaded bytes', async () => {
    const list = readList(`${build.executable}.probes.json`);
    // What makes this case hard: coldpatch keeps the build-id note and the size.
    expect(list.binary.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(list.source.buildId).toBe(list.binary.buildId);
    expect(list.source.size).toBe(list.binary.size);
    expect(list.binary.loadSha256).not.toBe(list.source.loadSha256);

    // The input, run with the coldpatched file's list beside it.
    const input = path.join(dir, 'input', 'workers');
    mkdirSync(path.dirname(input), { recursive: true });
    copyFileSync(build.instrumented, input);
    copyFileSync(`${build.executable}.probes.json`, `${input}.probes.json`);
    const t = await start(input);
    expectRefused(
      await iprobe(['hot', String(t.pid), '--all'], { env: env() }),
      /does not match .*input\/workers as mapped in process \d+: same build-id and size, but other loaded bytes/,
    );
    // Named with --probes (and not beside it), it matches nothing either.
    rmSync(`${input}.probes.json`);
    expectRefused(
      await iprobe(['hot', String(t.pid), '--all', '--probes', `${build.executable}.probes.json`], { env: env() }),
      /matches no object mapped in process/,
    );
  });

  test('the same build-id with another size', async () => {
    const t = await start(build.executable);
    besideList(build.executable, (list) => (list.binary.size += 4096));
    expectRefused(await iprobe(['hot', String(t.pid), '--all'], { env: env() }), /same build-id, but \d+ bytes where the list's file had \d+/);
  });

  test('another build-id', async () => {
    const t = await start(build.executable);
    besideList(build.executable, (list) => (list.binary.buildId = 'ab'.repeat(20)));
    expectRefused(await iprobe(['hot', String(t.pid), '--all'], { env: env() }), /its build-id is [0-9a-f]{40}, the list's abab.*: another build/);
  });

  test('a list written before loadSha256 is checked by its whole-file sha256', async () => {
    const t = await start(build.executable);
    besideList(build.executable, (list) => delete list.binary.loadSha256);
    const on = await iprobe(['hot', String(t.pid), '--fn', 'step', '--json'], { env: env() });
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ changed: 2 });
    besideList(build.executable, (list) => {
      delete list.binary.loadSha256;
      list.binary.sha256 = '0'.repeat(64);
    });
    expectRefused(await iprobe(['hot', String(t.pid), '--fn', 'step', '--off'], { env: env() }), /same build-id and size, but another SHA-256/);
  });
});

describe('objects without a probe list cost nothing', () => {
  /** The objects whose files `iprobe hot` opened through the target's view of them (strace). */
  async function objectsOpened(pid: number, args: readonly string[]): Promise<string[]> {
    const log = path.join(dir, `strace-${pid}-${Date.now()}.log`);
    const r = await new Promise<number | null>((resolve) => {
      const child = spawn('strace', ['-f', '-qq', '-e', 'trace=open,openat', '-o', log, process.execPath, IPROBE_CLI, 'hot', String(pid), ...args], {
        env: env(),
        stdio: 'ignore',
      });
      child.on('close', resolve);
    });
    expect(r).toBe(0);
    const maps = parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8'));
    const opened = new Set<string>();
    for (const m of readFileSync(log, 'utf8').matchAll(new RegExp(`"/proc/${pid}/(map_files/([0-9a-f]+)-[0-9a-f]+|root(/[^"]*))"`, 'g'))) {
      if (m[2]) opened.add(maps.find((e) => e.start === parseInt(m[2]!, 16))?.path ?? m[1]!);
      else opened.add(m[3]!);
    }
    return [...opened].map((p) => path.basename(p)).sort();
  }

  test('iprobe hot opens the probed objects and the runtime, not libc, ld.so or libm', async (ctx) => {
    skipWhenMissing(ctx, missingCommand('strace'));
    const t = await start(build.executable);
    const opened = await objectsOpened(t.pid, ['--fn', 'step', 'lib_*']);
    expect(opened.filter((name) => !name.endsWith('.probes.json'))).toEqual(['libiprobe_runtime.so', 'libmathlib.so', 'workers']);
    const mapped = parseMaps(readFileSync(`/proc/${t.pid}/maps`, 'utf8')).map((m) => path.basename(m.path));
    expect(mapped).toContain('libc.so.6');
  });

  test('with --probes, a large unrelated mapping is neither read nor hashed (CPU time of the whole command)', async () => {
    // A program that maps a 1.5 GiB file (sparse: it costs no disk) the way a
    // service maps a large data file or library. A check that reads and
    // hashes every mapped object spends seconds of CPU on it.
    const data = path.join(dir, 'big.data');
    execFileSync('truncate', ['-s', String(1536 * 1024 * 1024), data]);
    const source = path.join(dir, 'mapper.c');
    writeFileSync(
      source,
      `#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
__attribute__((noinline)) long work_step(long x) { return x * 3 + 1; }
__attribute__((no_instrument_function)) int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY);
  void *p = mmap(0, 1536UL << 20, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  if (fd < 0 || p == MAP_FAILED) { perror("map"); return 1; }
  printf("ready 8\\n");
  fflush(stdout);
  for (long x = 0;; x = work_step(x)) usleep(1000);
}
`,
    );
    const instrumented = await compile({ sources: [source], output: path.join(dir, 'mapper'), flags: ['-O2', '-finstrument-functions'] });
    const coldpatched = path.join(dir, 'mapper.coldpatched');
    expect((await iprobe(['coldpatch', instrumented, '-o', coldpatched])).code).toBe(0);
    target = await TargetProcess.start([coldpatched, data], { env: env() });
    await target.waitFor(/^ready 8$/);

    const args = ['--fn', 'work_step', '--probes', `${coldpatched}.probes.json`];
    const on = await cpuTimed(['hot', String(target.pid), ...args]);
    expect(on.code, on.stderr).toBe(0);
    const off = await cpuTimed(['hot', String(target.pid), ...args, '--off']);
    expect(off.code, off.stderr).toBe(0);
    // Generous: `iprobe hot` needs about 0.2 s of CPU on an idle machine, node's
    // own start-up included; reading and hashing 1.5 GiB needs several times this.
    expect(Math.min(on.cpuSeconds, off.cpuSeconds)).toBeLessThan(1.0);
  });
});

/** Runs the CLI through a shell that reports the CPU time (user + system) its child used, from /proc/self/stat. */
async function cpuTimed(args: readonly string[]): Promise<CliResult & { cpuSeconds: number }> {
  const script = '"$@"; code=$?; read -r stat < /proc/$$/stat; echo "${stat#*) }" >&2; exit $code';
  const r = await runProgram('sh', ['-c', script, 'sh', process.execPath, IPROBE_CLI, ...args], { env: env() });
  const lines = r.stderr.trimEnd().split('\n');
  // Fields after "pid (comm) ": state is 0, so cutime and cstime (16 and 17 in proc(5)) are 13 and 14.
  const fields = lines.pop()!.split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString());
  return { ...r, stderr: lines.join('\n'), cpuSeconds: ticks / hz };
}
