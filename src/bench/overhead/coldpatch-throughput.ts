/**
 * How fast `iprobe coldpatch` goes through a binary's text, next to
 * `objdump -d` on the same binary: both as whole commands, as a user runs them.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ColdpatchSummary } from '../../coldpatch/coldpatch.js';
import { projectRoot } from '../../native/load-addon.js';
import { timedRun } from '../programs/timed-run.js';

const IPROBE_CLI = path.join(projectRoot, 'dist', 'cli', 'iprobe.js');

export interface ColdpatchThroughput {
  binary: string;
  /** Bytes of the executable sections coldpatch swept (all but the PLTs). */
  textBytes: number;
  sites: number;
  /** The whole `iprobe coldpatch` command (Node start-up included), min of the repetitions. */
  coldpatchSeconds: number;
  /** What coldpatch itself reports: the transformation alone, without Node's start-up. */
  coldpatchInternalSeconds: number;
  objdumpSeconds: number;
  repetitions: number;
}

/**
 * Coldpatches `input` into `output` `repetitions` times, alternating with
 * `objdump -d input > /dev/null`; the last coldpatched output stays.
 */
export async function measureColdpatchThroughput(input: string, output: string, repetitions: number): Promise<ColdpatchThroughput> {
  const coldpatch: number[] = [];
  const internal: number[] = [];
  const objdump: number[] = [];
  let summary: ColdpatchSummary | undefined;
  for (let i = 0; i < repetitions; i++) {
    rmSync(output, { force: true });
    const run = await timedRun(process.execPath, [IPROBE_CLI, 'coldpatch', '--json', '-q', input, '-o', output]);
    summary = JSON.parse(run.stdout) as ColdpatchSummary;
    coldpatch.push(run.seconds);
    internal.push(summary.seconds);
    objdump.push((await timedRun('objdump', ['-d', input], { stdoutFile: '/dev/null' })).seconds);
  }
  const s = summary!;
  return {
    binary: path.basename(input),
    textBytes: s.sweep?.bytes ?? 0,
    sites: Object.values(s.sites).reduce((a, b) => a + b, 0),
    coldpatchSeconds: Math.min(...coldpatch),
    coldpatchInternalSeconds: Math.min(...internal),
    objdumpSeconds: Math.min(...objdump),
    repetitions,
  };
}
