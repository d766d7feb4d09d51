/**
 * HotPatch end to end on a coldpatched 8-thread program (and its own shared
 * library) started under the runtime: exact counts while probes are on,
 * 1,000 on/off switches under load with every result checked, and tracing.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { listProbes } from '../../src/hotpatch/probe-listing.js';
import { ProbeSwitcher } from '../../src/hotpatch/probe-switch.js';
import { DEFAULT_KINDS, type SiteSelection } from '../../src/hotpatch/site-selection.js';
import { traceProcess } from '../../src/hotpatch/trace-session.js';
import { RuntimeSegment } from '../../src/runtime/segment.js';
import { buildWorkers, workersEnvironment, type WorkersBuild } from '../support/hotpatch-fixture.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('hot-workers');
let build: WorkersBuild;
let target: TargetProcess | undefined;

beforeAll(async () => {
  build = await buildWorkers(dir);
});

afterEach(() => {
  target?.kill();
  target = undefined;
});

async function startWorkers(): Promise<TargetProcess> {
  target = await TargetProcess.start([build.executable], { env: workersEnvironment(build) });
  await target.waitFor(/^ready 8$/);
  return target;
}

const only = (...functions: string[]): SiteSelection => ({ functions, all: false, kinds: DEFAULT_KINDS });
const everything: SiteSelection = { functions: [], all: true, kinds: DEFAULT_KINDS };

/** Runtime call counts by function name (run-time addresses mapped through --list). */
async function runtimeCalls(pid: number): Promise<Map<string, number>> {
  const listing = await listProbes(pid);
  const names = new Map(listing.functions.map((f) => [f.address, f.name]));
  const segment = RuntimeSegment.open(pid);
  try {
    const calls = new Map<string, number>();
    for (const stat of segment.functionStats()) {
      const name = names.get(stat.address);
      if (name && stat.kind === 'function') calls.set(name, (calls.get(name) ?? 0) + stat.calls);
    }
    return calls;
  } finally {
    segment.close();
  }
}

describe('workers fixture', () => {
  test('the runtime counts exactly the calls the program made while the probes were on', async () => {
    const t = await startWorkers();
    await t.ask('pause', /^paused$/);
    const switcher = await ProbeSwitcher.open(t.pid);
    const on = await switcher.switch(true, only('counted'));
    expect(on.changed).toBe(3); // entry, exit and the IPROBE_POINT, nothing else
    expect(on.patch!.threads).toBe(10); // main, 8 workers, the runtime's control thread
    const [, total] = await t.ask('burst 5000', /^burst (\d+)$/);
    expect(Number(total)).toBe(40_000);
    expect((await runtimeCalls(t.pid)).get('counted')).toBe(40_000);

    await switcher.switch(false, only('counted'));
    await t.ask('burst 3000', /^burst 24000$/);
    expect((await runtimeCalls(t.pid)).get('counted')).toBe(40_000);

    await switcher.switch(true, only('counted'));
    await t.ask('burst 1000', /^burst 8000$/);
    expect((await runtimeCalls(t.pid)).get('counted')).toBe(48_000);
    const [, , , counted] = await t.ask('report', /^errors (\d+) steps (\d+) counted (\d+)$/);
    expect(Number(counted)).toBe(72_000);
  });

  test('1,000 on/off switches of every probe while 8 threads run: no crash, every result right', async () => {
    const t = await startWorkers();
    await t.ask('spin', /^spinning$/);
    const switcher = await ProbeSwitcher.open(t.pid);
    let maxStopNs = 0;
    for (let i = 0; i < 1000; i++) {
      const outcome = await switcher.switch(i % 2 === 0, everything);
      expect(outcome.changed).toBeGreaterThan(0);
      maxStopNs = Math.max(maxStopNs, outcome.patch!.stopWindowNs);
    }
    const listing = await listProbes(t.pid);
    expect(listing.functions.every((f) => f.on === 0)).toBe(true);
    await t.ask('pause', /^paused$/);
    const [, errors, steps] = await t.ask('report', /^errors (\d+) steps (\d+) counted (\d+)$/);
    expect(Number(errors)).toBe(0);
    expect(Number(steps)).toBeGreaterThan(0);
    const calls = await runtimeCalls(t.pid);
    expect(calls.get('step')).toBeGreaterThan(0);
    expect(calls.get('lib_mix')).toBeGreaterThan(0); // the shared library's probes worked too
    expect(t.alive).toBe(true);
    expect(maxStopNs).toBeGreaterThan(0);
  });

  test('a trace of a running program nests per thread and names functions from the probe lists', async () => {
    const t = await startWorkers();
    await t.ask('spin', /^spinning$/);
    // `step` is already on (an operator's earlier `iprobe hot`): the trace must leave it on.
    await (await ProbeSwitcher.open(t.pid)).switch(true, only('step'));
    const result = await traceProcess({ pid: t.pid, selection: only('step', 'lib_mix'), durationMs: 200, maxEvents: 50_000 });
    expect(result.events).toBeGreaterThan(100);
    expect(result.timelines.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const thread of result.timelines) {
      for (const root of thread.roots) {
        names.add(result.resolve(root.address) ?? '?');
        expect(root.endNs).toBeGreaterThanOrEqual(root.startNs);
        for (const child of root.children) {
          names.add(result.resolve(child.address) ?? '?');
          expect(child.startNs).toBeGreaterThanOrEqual(root.startNs);
          expect(child.endNs).toBeLessThanOrEqual(root.endNs);
        }
      }
    }
    expect(names).toContain('step');
    expect([...names].some((n) => n.endsWith('lib_mix'))).toBe(true);
    expect(names).not.toContain('?');
    // What the trace switched on is off again, what was on stays on, and the runtime is back in count mode.
    const after = (await listProbes(t.pid)).functions;
    expect(after.find((f) => f.name === 'step')!.on).toBe(2);
    expect(after.filter((f) => f.name !== 'step').every((f) => f.on === 0)).toBe(true);
    const segment = RuntimeSegment.open(t.pid);
    expect(segment.mode()).toBe('count');
    segment.close();
    await t.ask('pause', /^paused$/);
    const [, errors] = await t.ask('report', /^errors (\d+)/);
    expect(Number(errors)).toBe(0);
  });
});
