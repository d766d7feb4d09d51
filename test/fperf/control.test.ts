/**
 * The controller's wait for the runtime's answer: a program that ends while
 * its control thread sets up the counters is said to have ended, at once,
 * instead of after the answer timeout.
 */
import { describe, expect, it } from 'vitest';
import { FperfControl, TargetExitedError } from '../../src/runtime/fperf-control.js';
import { RuntimeSegment } from '../../src/runtime/segment.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';
import { SOFTWARE_EVENTS, defaultBackend } from '../support/counter-backends.js';
import { compileFixture } from './helpers.js';

describe('FperfControl.configure', () => {
  const dir = useTempDir('fperf-control');

  it('a target that dies before answering: TargetExitedError within a fraction of the timeout', async () => {
    const target = await TargetProcess.start([compileFixture('workloads', dir)], { mode: 'off' });
    await target.waitFor(/^ready/);
    const segment = RuntimeSegment.open(target.pid);
    try {
      const control = new FperfControl(segment);
      // stopped, its control thread cannot answer; then it dies
      process.kill(target.pid, 'SIGSTOP');
      const started = Date.now();
      const answer = control.configure(SOFTWARE_EVENTS, defaultBackend(), 10_000);
      setTimeout(() => target.kill(), 200);
      await expect(answer).rejects.toBeInstanceOf(TargetExitedError);
      await expect(answer).rejects.toThrow(`process ${target.pid} ended before its iprobe runtime set up the counters`);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      segment.close();
      target.kill();
    }
  });
});
