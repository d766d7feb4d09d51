/**
 * The patch engine against a live multi-threaded process: thousands of
 * switches while eight threads run the patched code, threads parked inside a
 * multi-byte site, compare-and-swap refusals and rollback in the middle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchSites, readMemory, type SiteChange } from '../../src/process/patch-engine.js';
import { UserError } from '../../src/util/user-error.js';
import { compileFixture, favourTestThread, startTarget, threadStates, tracerOf, type Target } from './target.js';

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00); // nopl 0x0(%rax,%rax,1)
const ADD_RCX_NOP = Uint8Array.of(0x48, 0x83, 0xc1, 0x01, 0x90); // add $1,%rcx; nop
const NOP1_X5 = Uint8Array.of(0x90, 0x90, 0x90, 0x90, 0x90);

function change(address: number, from: Uint8Array, to: Uint8Array): SiteChange {
  return { address, expected: from, replacement: to };
}

async function stats(target: Target): Promise<{ calls: number; hits: number; errors: number }> {
  const before = target.output().split('\n').length;
  target.kill('SIGUSR1');
  await target.waitForOutput(new RegExp(`(?:.*\\n){${before - 1}}stats `));
  const lines = target.output().trim().split('\n');
  const m = /calls=(\d+) hits=(\d+) errors=(\d+)/.exec(lines[lines.length - 1]!)!;
  return { calls: Number(m[1]), hits: Number(m[2]), errors: Number(m[3]) };
}

function expectRunningUntraced(target: Target): void {
  const states = threadStates(target.pid);
  expect(states.length).toBeGreaterThan(0);
  expect(states.filter((s) => s === 't' || s === 'T' || s === 'Z')).toEqual([]);
  expect(tracerOf(target.pid)).toBe(0);
}

let hammer: string;
beforeAll(() => {
  favourTestThread();
  hammer = compileFixture('hammer.c');
});

describe('thousands of sites over several pages', () => {
  const BULK = 3000; // 15,000 bytes: four page boundaries, some of them inside a site
  let target: Target;
  beforeAll(async () => {
    target = await startTarget(compileFixture('hammer.c', [`-DBULK_SITES=${BULK}`], 'hammer-3000'), ['8']);
    await target.waitForOutput(/^ready$/m);
  });
  afterAll(() => target.kill());

  it('writes each page once, changes exactly the chosen sites and not the bytes between them', async () => {
    const bulk = target.site('bulk_sites');
    const chosen = Array.from({ length: BULK }, (_, i) => i).filter((i) => i % 3 === 1);
    const page = (address: number) => Math.floor(address / 4096);
    // One write per page holding chosen sites; a site across a page boundary is written alone.
    let writes = 0;
    let spanPage = -1;
    for (const i of chosen) {
      const first = bulk + 5 * i;
      if (page(first + 4) !== spanPage) {
        writes++;
        spanPage = page(first) === page(first + 4) ? page(first) : -1;
      }
    }
    const on = await patchSites(target.pid, chosen.map((i) => change(bulk + 5 * i, NOPL5, ADD_RCX_NOP)));
    expect(on.sites).toBe(chosen.length);
    expect(on.writes).toBe(writes);
    expect(on.writes).toBeLessThan(10);
    const [bytes] = await readMemory(target.pid, [{ address: bulk, length: 5 * BULK }]);
    for (let i = 0; i < BULK; i++) {
      const site = bytes!.subarray(5 * i, 5 * i + 5);
      expect(site, `site ${i}`).toEqual(i % 3 === 1 ? ADD_RCX_NOP : NOPL5);
    }
    const off = await patchSites(target.pid, chosen.map((i) => change(bulk + 5 * i, ADD_RCX_NOP, NOPL5)));
    expect(off.writes).toBe(writes);
    const [after] = await readMemory(target.pid, [{ address: bulk, length: 5 * BULK }]);
    expect(Buffer.from(after!).equals(Buffer.concat(Array.from({ length: BULK }, () => Buffer.from(NOPL5))))).toBe(true);
    expect((await stats(target)).errors).toBe(0);
    expectRunningUntraced(target);
  });
});

describe('switching sites of a running 8-thread process', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget(hammer, ['8']);
    await target.waitForOutput(/^ready$/m);
  });
  afterAll(() => target.kill());

  it('switches a site 1,000 times without a wrong result, moving threads parked inside a site out of it', async () => {
    const hammerSite = target.site('hammer_site');
    const spinSite = target.site('spin_site');
    let nopSkips = 0;
    let spinOn = false;
    for (let i = 0; i < 1000; i++) {
      const on = i % 2 === 0;
      const sites = [on ? change(hammerSite, NOPL5, ADD_RCX_NOP) : change(hammerSite, ADD_RCX_NOP, NOPL5)];
      // Every fifth operation also switches the spinner's site (re-stops
      // wait for a CPU each: on a loaded machine they dominate the run time).
      if (i % 5 === 0) {
        sites.push(spinOn ? change(spinSite, ADD_RCX_NOP, NOP1_X5) : change(spinSite, NOP1_X5, ADD_RCX_NOP));
        spinOn = !spinOn;
      }
      const result = await patchSites(target.pid, sites);
      expect(result.threads).toBe(10); // main, 8 workers, spinner
      expect(result.sites).toBe(sites.length);
      expect(result.stopWindowNs).toBeGreaterThan(0);
      nopSkips += result.nopSkips;
      if (i === 500) expectRunningUntraced(target);
    }
    // Five nops and a jmp: the spinner stands at +1..+4 of the site at about
    // two stops in three; unless moved out it would soon run `c1 01 90`. Its
    // pc is set past the NOPs (running it on lands on the same NOPs again).
    expect(nopSkips).toBeGreaterThan(10);
    const [hammerBytes, spinBytes] = await readMemory(target.pid, [
      { address: hammerSite, length: 5 },
      { address: spinSite, length: 5 },
    ]);
    expect(hammerBytes).toEqual(NOPL5);
    expect(spinBytes).toEqual(NOP1_X5);
    const counted = await stats(target);
    expect(counted.errors).toBe(0);
    expect(counted.hits).toBeGreaterThan(0); // the patched instruction did run
    expect(counted.hits).toBeLessThan(counted.calls);
    expectRunningUntraced(target);
  });

  it('writes nothing when one expected byte sequence is wrong', async () => {
    const hammerSite = target.site('hammer_site');
    const bulk = target.site('bulk_sites');
    const sites = [
      change(hammerSite, NOPL5, ADD_RCX_NOP),
      change(bulk, NOPL5, ADD_RCX_NOP),
      change(bulk + 5, ADD_RCX_NOP, NOPL5), // wrong: it holds NOPL5
    ];
    const failure = await patchSites(target.pid, sites).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(/1 of 3 sites do not hold the expected bytes, nothing written/);
    expect((failure as Error).message).toContain(`0x${(bulk + 5).toString(16)}: found 0f 1f 44 00 00`);
    const now = await readMemory(target.pid, sites.map((s) => ({ address: s.address, length: 5 })));
    expect(now).toEqual([NOPL5, NOPL5, NOPL5]);
    expectRunningUntraced(target);
  });

  it('rolls back every site written when a later write fails', async () => {
    const bulk = target.site('bulk_sites');
    const roPage = target.site('ro_page'); // readable, never writable through /proc/PID/mem
    const [elfHeader] = await readMemory(target.pid, [{ address: roPage, length: 4 }]);
    expect(elfHeader).toEqual(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46));
    const textSites = Array.from({ length: 12 }, (_, i) => change(bulk + 5 * i, NOPL5, ADD_RCX_NOP));
    const failure = await patchSites(target.pid, [
      ...textSites,
      change(roPage, elfHeader!, Uint8Array.of(0x90, 0x90, 0x90, 0x90)),
    ]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(
      new RegExp(`cannot write site 0x${roPage.toString(16)}: .*; the 12 site\\(s\\) written before were restored`),
    );
    const now = await readMemory(target.pid, [...textSites.map((s) => ({ address: s.address, length: 5 }))]);
    expect(now).toEqual(textSites.map(() => NOPL5));
    expect((await stats(target)).errors).toBe(0);
    expectRunningUntraced(target);
  });

  it('reads unmapped memory as undefined', async () => {
    const [page0, site] = await readMemory(target.pid, [
      { address: 16, length: 4 },
      { address: target.site('hammer_site'), length: 5 },
    ]);
    expect(page0).toBeUndefined();
    expect(site).toEqual(NOPL5);
  });
});

describe('threads that come and go during the stop', () => {
  it('catches threads created and exiting while it attaches', async () => {
    const target = await startTarget(hammer, ['2', 'churn']);
    try {
      await target.waitForOutput(/^ready$/m);
      const hammerSite = target.site('hammer_site');
      const threadCounts = new Set<number>();
      for (let i = 0; i < 300; i++) {
        const on = i % 2 === 0;
        const result = await patchSites(target.pid, [
          on ? change(hammerSite, NOPL5, ADD_RCX_NOP) : change(hammerSite, ADD_RCX_NOP, NOPL5),
        ]);
        threadCounts.add(result.threads);
      }
      // main, 2 workers, spinner, churner, and now and then a short-lived thread
      expect(Math.min(...threadCounts)).toBeGreaterThanOrEqual(5);
      expect((await stats(target)).errors).toBe(0);
      expectRunningUntraced(target);
    } finally {
      target.kill();
    }
  });
});
