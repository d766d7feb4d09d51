/**
 * The workload without a tool, with the compiled-in hooks, and under iprobe:
 * coldpatched with its probes off, and hotpatched on with the runtime's
 * count-mode handler (calls and time per function) and its calls-mode
 * handler (calls only: the job XRay's counting handler does).
 */
import { DEFAULT_KINDS } from '../../hotpatch/site-selection.js';
import { switchProbes } from '../../hotpatch/probe-switch.js';
import { RuntimeSegment } from '../../runtime/segment.js';
import { runCommand } from '../programs/run-command.js';
import { available } from '../suite/availability.js';
import type { CallScale, MicroContestant, MicroMeasurement } from './contestant.js';
import { ControlledTarget } from './controlled-target.js';
import { parseEmptyCallsOutput, type EmptyCallsBuilds } from './empty-calls-builds.js';

export const BASELINE_ID = 'uninstrumented';

export function iprobeContestants(builds: EmptyCallsBuilds, scale: CallScale): MicroContestant[] {
  return [
    {
      id: BASELINE_ID,
      tool: 'none',
      label: 'uninstrumented (gcc -O2)',
      eventsPerCall: 0,
      callCounts: allCallCounts(scale),
      prepare: async () => available,
      measure: (calls) => runDirect(builds.plain, calls),
    },
    {
      id: 'instrumented-glibc-hooks',
      tool: 'gcc',
      label: "-finstrument-functions, glibc's empty hooks",
      eventsPerCall: 2,
      callCounts: scale.cheap,
      prepare: async () => available,
      measure: (calls) => runDirect(builds.instrumented, calls),
    },
    {
      id: 'iprobe-coldpatched-off',
      tool: 'iprobe',
      label: 'iprobe: coldpatched, probes off (runtime loaded)',
      eventsPerCall: 2,
      callCounts: scale.cheap,
      prepare: async () => available,
      measure: (calls) => runUnderRuntime(builds.coldpatched, calls, false),
    },
    {
      id: 'iprobe-hotpatched-count',
      tool: 'iprobe',
      label: 'iprobe: hotpatched on, counting handler',
      eventsPerCall: 2,
      callCounts: scale.cheap,
      prepare: async () => available,
      measure: (calls) => runUnderRuntime(builds.coldpatched, calls, true),
    },
    {
      id: 'iprobe-hotpatched-calls',
      tool: 'iprobe',
      label: 'iprobe: hotpatched on, calls-only handler (mode calls)',
      eventsPerCall: 2,
      callCounts: scale.cheap,
      prepare: async () => available,
      measure: (calls) => runUnderRuntime(builds.coldpatched, calls, true, 'calls'),
    },
  ];
}

/** The baseline runs at every call count any contestant uses. */
function allCallCounts(scale: CallScale): number[] {
  return [...new Set([...scale.cheap, ...scale.recording, ...scale.trapping, ...scale.debugger])].sort((a, b) => a - b);
}

export async function runDirect(binary: string, calls: number, args: readonly string[] = []): Promise<MicroMeasurement> {
  const { stdout } = await runCommand(binary, [String(calls), ...args]);
  return { nsPerCall: parseEmptyCallsOutput(stdout).nsPerCall };
}

/**
 * Starts the coldpatched build under `iprobe run` (in `mode`), switches its
 * probes on through ptrace if asked, then lets it time its loop, and checks
 * what the runtime counted.
 */
async function runUnderRuntime(binary: string, calls: number, switchOn: boolean, mode: 'count' | 'calls' = 'count'): Promise<MicroMeasurement> {
  const target = await ControlledTarget.start([binary, String(calls)], { ...process.env, EMPTY_CALLS_WAIT: '1' }, mode);
  try {
    await target.readUntil('ready');
    let switched = '';
    if (switchOn) {
      const outcome = await switchProbes({
        pid: target.pid,
        on: true,
        selection: { all: true, functions: [], kinds: DEFAULT_KINDS },
      });
      const window = outcome.patch ? `${(outcome.patch.stopWindowNs / 1e6).toFixed(2)} ms` : 'none';
      switched = `${outcome.changed} sites switched on (stop window ${window}); `;
    }
    target.send('go');
    const result = parseEmptyCallsOutput((await target.readUntil('done')).join('\n'));
    const segment = RuntimeSegment.open(target.pid);
    let counted: number;
    try {
      counted = segment.functionStats().reduce((sum, f) => sum + f.calls, 0);
    } finally {
      segment.close();
    }
    const expected = switchOn ? result.calls : 0;
    if (counted !== expected) throw new Error(`the runtime counted ${counted} calls of ${binary}, expected ${expected}`);
    return { nsPerCall: result.nsPerCall, note: `${switched}runtime counted ${counted} calls` };
  } finally {
    await target.end();
  }
}
