/**
 * A process started with the runtime preloaded (iprobe run) is left alone:
 * nothing is injected, no GOT slot is written, and there is nothing to detach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iprobe } from '../support/iprobe-cli.js';
import { TargetProcess } from '../support/target-process.js';
import { buildWorkers, LAYOUTS } from './fixture-build.js';

describe('a preloaded runtime', () => {
  let target: TargetProcess;

  beforeAll(async () => {
    const { exe } = await buildWorkers(LAYOUTS[0]!);
    target = await TargetProcess.start([exe]);
    await target.waitFor(/ready 8/);
  });
  afterAll(() => target?.kill());

  it('is reported as preloaded and used as it is', async () => {
    const on = await iprobe(['hot', String(target.pid), '--fn', 'counted']);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(`runtime preloaded (LD_PRELOAD) in process ${target.pid}`);
    expect(on.stdout).not.toMatch(/hook slots/);
    const list = JSON.parse((await iprobe(['hot', String(target.pid), '--list', '--json'])).stdout) as { runtimeOrigin: string };
    expect(list.runtimeOrigin).toBe('preloaded');
    expect((await target.ask('burst 10', /burst (\d+)/))[1]).toBe('80');
  });

  it('cannot be detached', async () => {
    const detach = await iprobe(['hot', String(target.pid), '--all', '--off', '--detach-runtime']);
    expect(detach.code).toBe(1);
    expect(detach.stderr).toMatch(/was preloaded \(LD_PRELOAD\), not injected: there is nothing to detach/);
  });
});
