/**
 * Injection end to end on the workers fixture, started without the runtime:
 * eight threads compute and check every result while the runtime is
 * injected, GOT slots of the executable and of its instrumented library are
 * pointed at it in the same stop as the probes, counted calls are exact,
 * traces are recorded, and --off --detach-runtime puts every slot back; a
 * hundred times over. Two layouts: PIE with lazy binding, and non-PIE
 * -fno-plt with full RELRO (read-only GOT).
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPath } from '../../src/hotpatch/injection-record.js';
import { listProbes } from '../../src/hotpatch/probe-listing.js';
import { processProbes } from '../../src/hotpatch/process-probes.js';
import { switchProbes } from '../../src/hotpatch/probe-switch.js';
import type { ProbedObject } from '../../src/hotpatch/probed-objects.js';
import { DEFAULT_KINDS, type SiteSelection } from '../../src/hotpatch/site-selection.js';
import { traceProcess } from '../../src/hotpatch/trace-session.js';
import { readMaps } from '../../src/process/maps.js';
import { readMemory } from '../../src/process/patch-engine.js';
import { RuntimeSegment } from '../../src/runtime/segment.js';
import { threadStates, tracerOf } from '../ptrace/target.js';
import { iprobe } from '../support/iprobe-cli.js';
import { buildWorkers, LAYOUTS } from './fixture-build.js';
import { PlainTarget } from './plain-target.js';

const SELECTION: SiteSelection = { functions: ['counted', 'step', 'lib_mix', 'counted_point'], all: false, kinds: DEFAULT_KINDS };
const THREADS = 8;
const BURST = 50;

interface HookSlot {
  object: ProbedObject;
  address: number;
}

function hookSlots(probed: readonly ProbedObject[]): HookSlot[] {
  return probed.flatMap((object) => {
    const { entry, exit, point } = object.list.hooks;
    const linkTime = [...entry.got, ...exit.got, ...(point ? [point.slot] : [])];
    return linkTime.map((slot) => ({ object, address: slot + object.bias }));
  });
}

async function slotValues(pid: number, slots: readonly HookSlot[]): Promise<bigint[]> {
  const bytes = await readMemory(pid, slots.map((s) => ({ address: s.address, length: 8 })));
  return bytes.map((b) => Buffer.from(b!).readBigUInt64LE(0));
}

/**
 * A slot put back as it was: its original value, or, for a lazy slot put
 * back unresolved, the glibc hook that ld.so bound it to when a call already
 * on its way through the PLT stub during the stop resolved it.
 */
async function expectRestored(pid: number, slots: readonly HookSlot[], originals: readonly bigint[]): Promise<void> {
  const values = await slotValues(pid, slots);
  const libc = (await readMaps(pid)).filter((m) => m.executable && /\/libc\.so/.test(m.path));
  values.forEach((value, i) => {
    const lazy = !slots[i]!.object.list.binary.bindNow;
    const resolvedToGlibc = lazy && libc.some((m) => BigInt(m.start) <= value && value < BigInt(m.end));
    if (!resolvedToGlibc) expect(value).toBe(originals[i]);
  });
}

function countedCalls(pid: number, address: number): number {
  const segment = RuntimeSegment.open(pid);
  try {
    return segment.functionStats().find((f) => f.address === address && f.kind === 'function')?.calls ?? 0;
  } finally {
    segment.close();
  }
}

describe.each(LAYOUTS.map((layout, i) => ({ layout, cycles: i === 0 ? 100 : 25 })))('injection, $layout.name', ({ layout, cycles }) => {
  let target: PlainTarget;
  let probed: ProbedObject[];
  let slots: HookSlot[];
  let originals: bigint[];
  let counted: number;

  beforeAll(async () => {
    const built = await buildWorkers(layout);
    target = await PlainTarget.start([built.exe]);
    await target.waitFor(/ready 8/);
    await target.ask('spin', /spinning/);
    ({ probed } = await processProbes(target.pid));
    slots = hookSlots(probed);
    originals = await slotValues(target.pid, slots);
    const main = probed.find((p) => p.object.path === built.exe)!;
    counted = main.list.functions.find((f) => f.name === 'counted')!.address + main.bias;
  });
  afterAll(() => target?.kill());

  it('injects the runtime at the first switch and points both objects GOT slots at it in the same stop', async () => {
    expect(target.maps('libiprobe_runtime')).toEqual([]);
    expect(probed.map((p) => p.object.path).sort()).toHaveLength(2);
    if (layout.name.includes('fullrelro')) {
      // The GOT lies in the RELRO segment, mapped read-only: the writes below go through FOLL_FORCE.
      const maps = await readMaps(target.pid);
      for (const slot of slots.filter((s) => !s.object.list.hooks.point || s.address !== s.object.list.hooks.point.slot + s.object.bias)) {
        expect(maps.find((m) => m.start <= slot.address && slot.address < m.end)!.writable).toBe(false);
      }
    }
    const outcome = await switchProbes({ pid: target.pid, on: true, selection: SELECTION });
    expect(outcome.runtime).toBe('injected');
    expect(outcome.injection?.library).toMatch(/libiprobe_runtime\.so$/);
    // The workers, the main thread, and the runtime's control thread (started by its constructor).
    expect(outcome.patch?.threads).toBe(THREADS + 2);
    expect(outcome.slots).toBe(slots.length);
    expect(target.maps('libiprobe_runtime').length).toBeGreaterThan(0);

    const now = await slotValues(target.pid, slots);
    now.forEach((value, i) => expect(value).not.toBe(originals[i]));
    const record = JSON.parse(readFileSync(recordPath(target.pid), 'utf8')) as { slots: { address: string; original: string }[] };
    expect(record.slots.map((s) => [Number(s.address), BigInt(s.original)]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      slots.map((s, i) => [s.address, originals[i]]).sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it(`counts exactly, traces, and detaches, ${cycles} cycles while the threads compute`, async () => {
    for (let cycle = 0; cycle < cycles; cycle++) {
      if (cycle > 0) {
        const on = await switchProbes({ pid: target.pid, on: true, selection: SELECTION });
        expect(on.runtime).toBe('injected');
        expect(on.injection).toBeUndefined(); // loaded once; later cycles only point the slots at it
        expect(on.slots).toBe(slots.length);
      }
      await target.ask('pause', /paused/);
      const before = countedCalls(target.pid, counted);
      await target.ask(`burst ${BURST}`, new RegExp(`burst ${BURST * THREADS}`));
      expect(countedCalls(target.pid, counted) - before).toBe(BURST * THREADS);
      await target.ask('spin', /spinning/);
      if (cycle % 25 === 24) {
        const trace = await traceProcess({ pid: target.pid, selection: SELECTION, durationMs: 30 });
        expect(trace.runtime.origin).toBe('injected');
        expect(trace.events).toBeGreaterThan(0);
        expect(trace.timelines.length).toBeGreaterThan(0);
      }
      const off = await switchProbes({ pid: target.pid, on: false, selection: { ...SELECTION, all: true }, detachRuntime: true });
      expect(off.slots).toBe(slots.length);
      await expectRestored(target.pid, slots, originals);
    }
    const report = await target.ask('report', /errors (\d+) steps (\d+) counted (\d+)/);
    expect(report[1]).toBe('0');
    expect(Number(report[3])).toBe(cycles * BURST * THREADS);
    expect(tracerOf(target.pid)).toBe(0);
    expect(threadStates(target.pid).every((s) => s !== 't' && s !== 'T')).toBe(true);
  });

  it('refuses to detach while probes stay on, changing nothing', async () => {
    await switchProbes({ pid: target.pid, on: true, selection: SELECTION });
    const redirected = await slotValues(target.pid, slots);
    await expect(
      switchProbes({ pid: target.pid, on: false, selection: { ...SELECTION, functions: ['lib_mix'] }, detachRuntime: true }),
    ).rejects.toThrow(/would stay on/);
    expect(await slotValues(target.pid, slots)).toEqual(redirected);
    await switchProbes({ pid: target.pid, on: false, selection: { ...SELECTION, all: true }, detachRuntime: true });
    await expectRestored(target.pid, slots, originals);
    expect(existsSync(recordPath(target.pid))).toBe(true);
  });

  it('--list warns about a redirected slot that something rewrote; switching on again points it back', async () => {
    await switchProbes({ pid: target.pid, on: true, selection: SELECTION });
    const index = slots.findIndex((s) => s.object.list.hooks.entry.got.some((g) => g + s.object.bias === s.address));
    const slot = slots[index]!;
    const [redirected] = await slotValues(target.pid, [slot]);
    // What ld.so's lazy resolver, finishing late, would do: write glibc's binding over the runtime's handler.
    const value = Buffer.alloc(8);
    value.writeBigUInt64LE(originals[index]!);
    const mem = openSync(`/proc/${target.pid}/mem`, 'r+');
    try {
      writeSync(mem, value, 0, 8, slot.address);
    } finally {
      closeSync(mem);
    }
    expect((await listProbes(target.pid)).lostSlots.map((s) => s.address)).toEqual([slot.address]);
    const text = await iprobe(['hot', String(target.pid), '--list']);
    expect(text.stdout).toMatch(/warning: the __cyg_profile_func_enter slot of .* no longer points at the runtime/);

    await switchProbes({ pid: target.pid, on: true, selection: SELECTION });
    expect(await slotValues(target.pid, [slot])).toEqual([redirected]);
    expect((await listProbes(target.pid)).lostSlots).toEqual([]);
    await switchProbes({ pid: target.pid, on: false, selection: { ...SELECTION, all: true }, detachRuntime: true });
    await expectRestored(target.pid, slots, originals);
  });
});
