/**
 * Instructions per call and per event under callgrind, which counts the same
 * on a loaded machine as on an idle one. Each build runs at two call counts;
 * the difference cancels start-up, so what is left is the loop alone.
 */
import { preloadEnvironment } from '../../runtime/library.js';
import { runCommand } from '../programs/run-command.js';
import { checkInstalled, type Availability } from '../suite/availability.js';
import type { EmptyCallsBuilds } from './empty-calls-builds.js';

export interface InstructionCount {
  id: string;
  label: string;
  eventsPerCall: number;
  instructionsPerCall: number;
  /** Over the uninstrumented loop, per hook event; undefined for the baseline. */
  instructionsPerEvent?: number;
}

interface CountedRun {
  id: string;
  label: string;
  eventsPerCall: number;
  binary: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function countInstructions(
  builds: EmptyCallsBuilds,
  calls: readonly [number, number],
): Promise<{ availability: Availability; counts: InstructionCount[] }> {
  const availability = await checkInstalled('valgrind', 'valgrind', runCommand);
  if (!availability.available) return { availability, counts: [] };
  const runs: CountedRun[] = [
    { id: 'uninstrumented', label: 'uninstrumented (gcc -O2)', eventsPerCall: 0, binary: builds.plain },
    { id: 'instrumented-glibc-hooks', label: "-finstrument-functions, glibc's empty hooks", eventsPerCall: 2, binary: builds.instrumented },
    { id: 'iprobe-coldpatched-off', label: 'iprobe: coldpatched, probes off', eventsPerCall: 2, binary: builds.coldpatched },
    {
      // A switched-on site holds the very call the compiler emitted, so the
      // instrumented build with the runtime preloaded runs the same instructions.
      id: 'iprobe-count-handler',
      label: 'iprobe: probes on, counting handler',
      eventsPerCall: 2,
      binary: builds.instrumented,
      env: preloadEnvironment(process.env, 'count'),
    },
    {
      id: 'iprobe-calls-handler',
      label: 'iprobe: probes on, calls-only handler (mode calls)',
      eventsPerCall: 2,
      binary: builds.instrumented,
      env: preloadEnvironment(process.env, 'calls'),
    },
  ];
  if ('path' in builds.xray) {
    runs.push(
      { id: 'xray-unpatched', label: 'LLVM XRay: sleds unpatched', eventsPerCall: 2, binary: builds.xray.path, args: ['unpatched'] },
      { id: 'xray-patched', label: 'LLVM XRay: patched, no handler', eventsPerCall: 2, binary: builds.xray.path, args: ['patched'] },
      { id: 'xray-count', label: 'LLVM XRay: patched, counting handler', eventsPerCall: 2, binary: builds.xray.path, args: ['count'] },
    );
  }
  const perCall: number[] = [];
  for (const run of runs) {
    const [low, high] = await Promise.all(calls.map((n) => totalInstructions(run, n)));
    perCall.push((high! - low!) / (calls[1] - calls[0]));
  }
  const base = perCall[0]!;
  return {
    availability,
    counts: runs.map((run, i) => ({
      id: run.id,
      label: run.label,
      eventsPerCall: run.eventsPerCall,
      instructionsPerCall: perCall[i]!,
      ...(run.eventsPerCall > 0 ? { instructionsPerEvent: (perCall[i]! - base) / run.eventsPerCall } : {}),
    })),
  };
}

async function totalInstructions(run: CountedRun, calls: number): Promise<number> {
  // --smc-check=all: XRay rewrites its sleds in the text segment at run time.
  const { stderr } = await runCommand(
    'valgrind',
    ['--tool=callgrind', '--smc-check=all', '--callgrind-out-file=/dev/null', run.binary, String(calls), ...(run.args ?? [])],
    { env: { ...(run.env ?? process.env), XRAY_OPTIONS: 'patch_premain=false' } },
  );
  const refs = /I\s+refs:\s+([0-9,]+)/.exec(stderr)?.[1];
  if (!refs) throw new Error(`callgrind printed no instruction count for ${run.label}: ${stderr.slice(-300)}`);
  return Number(refs.replace(/,/g, ''));
}
