import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeSegment } from '../../src/runtime/segment.js';
import { IPROBE_CLI } from '../support/paths.js';
import { Fixture, compileFixture, symbolAddresses, trackFixtures } from './helpers.js';

/** Linux's name for CPUID 0x80000007 EDX bit 8, the runtime's condition for the TSC. */
const invariantTsc = /^flags\s*:.*\bnonstop_tsc\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));

/**
 * Count mode times with the TSC whenever the CPU has an invariant one (also
 * on VMs whose kernel clocksource is kvm-clock), calibrated against
 * CLOCK_MONOTONIC; IPROBE_CLOCK=monotonic forces clock_gettime. Either way
 * a function that sleeps a known time is timed as the wall clock says.
 */
describe('the runtime clock', () => {
  let exe: string;
  const running = trackFixtures();
  beforeAll(() => {
    exe = compileFixture('nap.c');
  });

  async function start(env: NodeJS.ProcessEnv = {}): Promise<{ fixture: Fixture; segment: RuntimeSegment }> {
    const fixture = Fixture.start(exe, [], 'count', env);
    running.push(fixture);
    await fixture.ask('nap 0 1', /^napped/); // the runtime is up
    return { fixture, segment: fixture.open() };
  }

  /** nap()'s inclusive time as the reader converts it, against the program's own wall clock. */
  async function napAgreement(fixture: Fixture, segment: RuntimeSegment, ms: number, times: number): Promise<void> {
    await segment.resetCounters();
    const [, wall] = await fixture.ask(`nap ${ms} ${times}`, /^napped (\d+)/);
    const nap = symbolAddresses(exe).get('nap')! + Number(segment.header().exeLoadBias);
    const stat = segment.functionStats().find((s) => s.address === nap)!;
    expect(stat.calls).toBe(times);
    const measured = segment.clock().durationNs(stat.totalTicks);
    const wallNs = Number(wall);
    // nanosleep sleeps at least what was asked; the hooks run inside the program's own window, which
    // also holds the scheduling delays of a busy machine after each wake-up (up to ms each)
    expect(measured).toBeGreaterThanOrEqual(ms * times * 1e6);
    expect(measured).toBeLessThanOrEqual(wallNs * 1.002 + 50_000);
  }

  it.skipIf(!invariantTsc)(`reads the TSC where the CPU has an invariant one, and times 20 ms naps as the wall clock does${invariantTsc ? '' : ' (skipped: /proc/cpuinfo has no nonstop_tsc flag)'}`, async () => {
    const { fixture, segment } = await start();
    const header = segment.header();
    expect(header).toMatchObject({ clock: 'tsc', clockSource: 'tsc', clockReason: 'the CPU has an invariant TSC' });
    expect(Number(header.clockTicksPerSecond)).toBeGreaterThan(1e8);
    await napAgreement(fixture, segment, 20, 10); // before the runtime's first check: the rate of its calibration or the anchor's
    await napAgreement(fixture, segment, 20, 60); // 1.2 s: checked at least once, the refined rate
    const checked = segment.header();
    expect(checked.clockChecks).toBeGreaterThanOrEqual(1);
    expect(checked.clockSource).toBe('tsc');
    expect(checked.clockDeviationNs).toBeLessThan(1_000_000);
    segment.close();
  });

  it('reads CLOCK_MONOTONIC when IPROBE_CLOCK=monotonic, and times the naps alike', async () => {
    const { fixture, segment } = await start({ IPROBE_CLOCK: 'monotonic' });
    expect(segment.header()).toMatchObject({ clock: 'monotonic', clockSource: 'monotonic', clockReason: 'forced by IPROBE_CLOCK' });
    await napAgreement(fixture, segment, 20, 10);
    segment.close();
  });

  it('is named by iprobe runtime, in its text and its JSON', async () => {
    const { fixture, segment } = await start();
    const expected = segment.header().clock;
    segment.close();
    const text = spawnSync('node', [IPROBE_CLI, 'runtime', String(fixture.pid)], { encoding: 'utf8', timeout: 60_000 });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(expected === 'tsc' ? /^clock tsc \(\d+\.\d{3} MHz, the CPU has an invariant TSC/m : /^clock monotonic \(clock_gettime/m);
    const json = spawnSync('node', [IPROBE_CLI, 'runtime', String(fixture.pid), '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(json.stdout)).toMatchObject({ clock: expected, clockSource: expected });
  });
});
