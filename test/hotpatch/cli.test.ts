/**
 * `iprobe hot`, `trace` and `report` as an operator uses them, and what they
 * say when something is wrong: one line, non-zero exit, target untouched.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { listProbes } from '../../src/hotpatch/probe-listing.js';
import { compile, VARIANT_MATRIX, variantFlags } from '../support/compile.js';
import { buildWorkers, workersEnvironment, type WorkersBuild } from '../support/hotpatch-fixture.js';
import { iprobe, type CliResult } from '../support/iprobe-cli.js';
import { fixture } from '../support/paths.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('hot-cli');
let build: WorkersBuild;
let target: TargetProcess | undefined;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  build = await buildWorkers(dir);
});

afterEach(() => {
  target?.kill();
  target = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function startWorkers(): Promise<TargetProcess> {
  target = await TargetProcess.start([build.executable], { env: workersEnvironment(build) });
  await target.waitFor(/^ready 8$/);
  return target;
}

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^iprobe: /);
  expect(lines[0]).toMatch(pattern);
}

describe('iprobe hot', () => {
  test('--list, --fn, --entry-only, --off with --json', async () => {
    const t = await startWorkers();
    const pid = String(t.pid);
    const list = JSON.parse((await iprobe(['hot', pid, '--list', '--json'])).stdout);
    expect(list.runtime).toMatch(/libiprobe_runtime\.so$/);
    expect(list.objects.map((o: { path: string }) => path.basename(o.path)).sort()).toEqual(['libmathlib.so', 'workers']);
    const step = list.functions.find((f: { name: string }) => f.name === 'step');
    expect(step).toMatchObject({ sites: 2, on: 0 });

    const entry = await iprobe(['hot', pid, '--fn', 'st*', '--entry-only', '--json']);
    expect(entry.code).toBe(0);
    const outcome = JSON.parse(entry.stdout);
    expect(outcome).toMatchObject({ on: true, changed: 2, runtime: 'preloaded' });
    expect(outcome.functions.sort()).toEqual(['step', 'step_expected']);
    expect(outcome.patch.stopWindowNs).toBeGreaterThan(0);
    // 2 sites, 10 threads: the help says 1–2 ms for 100 sites (iprobe bench measures it); 50 ms leaves room for a loaded machine
    expect(outcome.patch.stopWindowNs).toBeLessThan(50e6);
    const after = await listProbes(t.pid);
    expect(after.functions.find((f) => f.name === 'step')).toMatchObject({ on: 1 });

    const text = await iprobe(['hot', pid, '--fn', 'st*', '--off']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^runtime preloaded \(LD_PRELOAD\) in process \d+\nswitched off 2 sites in 2 functions of .*workers \(process \d+\)/);
    expect(text.stdout).toMatch(/stop window \d+\.\d+ ms, 10 threads stopped/);
    expect((await listProbes(t.pid)).functions.every((f) => f.on === 0)).toBe(true);
  });

  test('trace writes a Chrome trace that report and --folded read back', async () => {
    const t = await startWorkers();
    await t.ask('spin', /^spinning$/);
    const out = path.join(dir, 'trace.json');
    const r = await iprobe(['trace', String(t.pid), '--fn', 'step', 'lib_mix', '--duration', '300ms', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.spans).toBeGreaterThan(0);
    const trace = JSON.parse(readFileSync(out, 'utf8'));
    const begins = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'B');
    const ends = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'E');
    expect(begins.length).toBe(ends.length);
    expect(new Set(begins.map((e: { name: string }) => e.name))).toEqual(new Set(['step', 'libmathlib.so!lib_mix']));
    const report = await iprobe(['report', out, '--json']);
    const rows = JSON.parse(report.stdout);
    expect(rows.map((row: { name: string }) => row.name).sort()).toEqual(['libmathlib.so!lib_mix', 'step']);
    const folded = (await iprobe(['report', out, '--folded'])).stdout;
    expect(folded).toMatch(/^step;libmathlib\.so!lib_mix \d+$/m);
    // The count-mode report of the live process.
    await iprobe(['hot', String(t.pid), '--fn', 'step']);
    const live = JSON.parse((await iprobe(['report', String(t.pid), '--json'])).stdout);
    expect(live.find((row: { name: string }) => row.name === 'step').calls).toBeGreaterThan(0);
    // calls mode: still counting, and the text report says times stopped.
    expect((await iprobe(['runtime', String(t.pid), '--mode', 'calls'])).code).toBe(0);
    const before = live.find((row: { name: string }) => row.name === 'step').calls as number;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await iprobe(['report', String(t.pid)]);
    expect(text.stderr).toMatch(/calls mode: calls are counted, times are not/);
    const after = JSON.parse((await iprobe(['report', String(t.pid), '--json'])).stdout);
    expect(after.find((row: { name: string }) => row.name === 'step').calls).toBeGreaterThan(before);
  });

  test('bad input: no such process, nothing matches, say which probes', async () => {
    const t = await startWorkers();
    expectOneLineError(await iprobe(['hot', '4194000', '--fn', 'x']), /no (such )?process/);
    expectOneLineError(await iprobe(['hot', String(t.pid), '--fn', 'no_such_function']), /no probes match no_such_function/);
    const none = await iprobe(['hot', String(t.pid)]);
    expectOneLineError(none, /--fn GLOB… or --all/);
    expectOneLineError(await iprobe(['hot', 'abc', '--all']), /not a process id/);
  });

  test('a probe list from another build of the same program is refused', async () => {
    const t = await startWorkers();
    // Another build: same source, other flags; its probe list put beside the running binary.
    const flags = variantFlags(VARIANT_MATRIX[0]!, true);
    const other = await compile({
      sources: [fixture('hotpatch/workers.c')],
      output: path.join(dir, 'workers-other'),
      flags: [...flags.compile, ...flags.link],
      libraries: [`-L${build.libraryDir}`, '-lmathlib'],
    });
    expect((await iprobe(['coldpatch', other])).code).toBe(0);
    const explicit = await iprobe(['hot', String(t.pid), '--all', '--probes', `${other}.coldpatched.probes.json`]);
    expectOneLineError(explicit, /matches no object mapped in process/);
    const beside = `${build.executable}.probes.json`;
    const saved = readFileSync(beside);
    cleanups.push(() => writeFileSync(beside, saved));
    copyFileSync(`${other}.coldpatched.probes.json`, beside);
    expectOneLineError(await iprobe(['hot', String(t.pid), '--all']), /does not match .*workers as mapped in process/);
    writeFileSync(beside, saved);
    expect((await listProbes(t.pid)).functions.every((f) => f.on === 0)).toBe(true);
  });

  test('a process without the runtime, and one already traced by strace', async () => {
    // Started plainly (no runtime), through a shell so it is not our child.
    const plain = spawn('sh', ['-c', `exec ${build.executable}`], { env: workersEnvironment(build), stdio: ['pipe', 'pipe', 'pipe'] });
    cleanups.push(() => plain.kill('SIGKILL'));
    await new Promise((resolve) => plain.stdout.once('data', resolve));
    // The runtime is injected (test/inject covers injection itself).
    const noRuntime = await iprobe(['hot', String(plain.pid), '--fn', 'step']);
    expect(noRuntime.code, noRuntime.stderr).toBe(0);
    expect(noRuntime.stdout).toMatch(/^runtime injected now: dlopen\(/);

    const t = await startWorkers();
    const strace = spawn('strace', ['-p', String(t.pid), '-o', '/dev/null'], { stdio: 'ignore' });
    cleanups.push(() => strace.kill('SIGKILL'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const traced = await iprobe(['hot', String(t.pid), '--fn', 'step']);
    expectOneLineError(traced, /already traced by .*strace/);
    strace.kill('SIGKILL');
  });
});
