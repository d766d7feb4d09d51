/**
 * `iprobe fperf -- prog args`: start the program with the runtime, profile
 * it until it exits, then (unless told not to) run it once more without
 * FPerf, output discarded, to measure the overhead rather than estimate it.
 * The profiled run goes first, so the baseline has the warmer caches and the
 * measured overhead errs high, not low.
 */
import { FperfControl } from '../runtime/fperf-control.js';
import { RuntimeSegment } from '../runtime/segment.js';
import { UserError } from '../util/user-error.js';
import { launchWithRuntime, type LaunchedProgram } from './launch.js';
import { calibrateReadCost } from './counter-backend.js';
import { profileEvents, profileProcess, type ProfileRequest, type ProfileResult } from './profile-session.js';
import type { MeasuredRun } from './profile-report.js';

export interface ProgramRuns {
  result: ProfileResult;
  command: string[];
  profiled?: MeasuredRun;
  baseline?: MeasuredRun;
  exitCode: number;
}

export async function profileProgram(
  command: readonly string[],
  request: Omit<ProfileRequest, 'pid' | 'targetExit'>,
  options: { baseline: boolean; stdoutToStderr?: boolean; quiet?: boolean },
): Promise<ProgramRuns> {
  // measured before the start: the program runs unprofiled until its probes are on
  const readCostNs = request.readCostNs ?? calibrateReadCost(request.backend, profileEvents(request.events), 501).medianNs;
  const program = await launchWithRuntime(command, { mode: 'off', stdoutToStderr: options.stdoutToStderr, quiet: options.quiet });
  const segment = await openWhenReady(program);
  if (!segment) throw new UserError(`${command[0]} exited before FPerf could attach to it`);
  let result: ProfileResult;
  let exit;
  let profiled: MeasuredRun | undefined;
  try {
    result = await profileProcess({ ...request, readCostNs, pid: program.pid, targetExit: program.exited });
    exit = await program.exited;
    result.targetExited = true;
    profiled = measured(segment, exit.wallMs);
  } finally {
    segment.close();
  }
  let baseline: MeasuredRun | undefined;
  if (options.baseline) {
    request.log?.(`running ${command[0]} again without FPerf, output discarded, to measure the overhead (--no-baseline skips this)`);
    baseline = await runWithoutFperf(command);
  }
  return {
    result,
    command: [...command],
    ...(profiled ? { profiled } : {}),
    ...(baseline ? { baseline } : {}),
    exitCode: exit.code ?? 128 + (exit.signal ? 1 : 0),
  };
}

/** One run with the runtime preloaded in mode off and the probes off (native speed for a coldpatched binary), output discarded. */
export async function runWithoutFperf(command: readonly string[]): Promise<MeasuredRun | undefined> {
  const plain = await launchWithRuntime(command, { mode: 'off', quiet: true });
  const segment = await openWhenReady(plain);
  const exit = await plain.exited;
  const run = measured(segment, exit.wallMs);
  segment?.close();
  return run;
}

/** The program's CPU time as its runtime recorded it at exit; undefined if it never got there (killed, _exit). */
function measured(segment: RuntimeSegment | undefined, wallMs: number): MeasuredRun | undefined {
  const cpu = segment ? new FperfControl(segment).status().exitCpu : undefined;
  return cpu ? { cpuNs: cpu.userNs + cpu.systemNs, wallMs } : undefined;
}

/** The runtime creates its segment in the program's first microseconds; wait for it, or for the exit. */
async function openWhenReady(program: LaunchedProgram): Promise<RuntimeSegment | undefined> {
  let exited = false;
  void program.exited.then(() => (exited = true));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return RuntimeSegment.open(program.pid);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (exited) return undefined;
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
