/**
 * No-stop zones: code ranges in which no thread may stand, first byte
 * included, when the engine writes (for GOT slots: the dynamic loader and
 * PLT stubs). A thread that passes through one is moved out; a thread that
 * cannot leave fails the operation with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchSites, readMemory } from '../../src/process/patch-engine.js';
import { UserError } from '../../src/util/user-error.js';
import { compileFixture, favourTestThread, startTarget, threadStates, tracerOf, type Target } from './target.js';

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
const MOV_EAX_1 = Uint8Array.of(0xb8, 0x01, 0x00, 0x00, 0x00);

let target: Target;
beforeAll(async () => {
  favourTestThread();
  target = await startTarget(compileFixture('zone_spinner.c'));
  await target.waitForOutput(/^ready$/m);
});
afterAll(() => target.kill());

function expectRunningUntraced(): void {
  expect(threadStates(target.pid).filter((s) => s === 't' || s === 'T' || s === 'Z')).toEqual([]);
  expect(tracerOf(target.pid)).toBe(0);
}

describe('no-stop zones', () => {
  it('moves a thread that passes through a zone out of it, and writes', async () => {
    const site = target.site('zone_site');
    const zone = { start: target.site('zone_loop'), end: target.site('zone_loop_end') };
    let restops = 0;
    for (let i = 0; i < 20; i++) {
      const on = i % 2 === 0;
      const result = await patchSites(
        target.pid,
        [{ address: site, expected: on ? NOPL5 : MOV_EAX_1, replacement: on ? MOV_EAX_1 : NOPL5 }],
        { noStopZones: [zone] },
      );
      expect(result.threads).toBe(3);
      restops += result.restops;
    }
    // The passer is inside the zone at about half the stops.
    expect(restops).toBeGreaterThan(0);
    expect((await readMemory(target.pid, [{ address: site, length: 5 }]))[0]).toEqual(NOPL5);
    expectRunningUntraced();
  });

  it('fails with one line and writes nothing when a thread cannot leave a zone', async () => {
    const site = target.site('zone_site');
    const zone = { start: target.site('blocked_zone'), end: target.site('blocked_zone_end') };
    const failure = await patchSites(target.pid, [{ address: site, expected: NOPL5, replacement: MOV_EAX_1 }], {
      noStopZones: [zone],
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    const message = (failure as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      new RegExp(`^thread \\d+ stays in the no-stop zone 0x${zone.start.toString(16)}-0x${zone.end.toString(16)} .*in a system call.* after 256 re-stops; nothing written$`),
    );
    expect((await readMemory(target.pid, [{ address: site, length: 5 }]))[0]).toEqual(NOPL5);
    expectRunningUntraced();
  });
});
