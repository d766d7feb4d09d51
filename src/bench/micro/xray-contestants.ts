/**
 * LLVM XRay on the same workload: clang -fxray-instrument with every
 * function's sleds, unpatched, patched without a handler (the trampoline
 * finds no handler and returns) and patched with a handler that counts.
 */
import { runCommand } from '../programs/run-command.js';
import { available, notAvailable } from '../suite/availability.js';
import type { CallScale, MicroContestant } from './contestant.js';
import { parseEmptyCallsOutput, type EmptyCallsBuilds } from './empty-calls-builds.js';

const MODES = [
  { mode: 'unpatched', label: 'LLVM XRay: sleds unpatched' },
  { mode: 'patched', label: 'LLVM XRay: patched, no handler' },
  { mode: 'count', label: 'LLVM XRay: patched, counting handler' },
] as const;

export function xrayContestants(builds: EmptyCallsBuilds, scale: CallScale): MicroContestant[] {
  return MODES.map(({ mode, label }) => ({
    id: `xray-${mode}`,
    tool: 'LLVM XRay',
    label,
    eventsPerCall: 2,
    callCounts: scale.cheap,
    prepare: async () => ('path' in builds.xray ? available : notAvailable(builds.xray.why)),
    measure: async (calls) => {
      if (!('path' in builds.xray)) throw new Error('XRay build missing');
      // The program patches (or not) itself; options from the caller's environment must not do it first.
      const { stdout } = await runCommand(builds.xray.path, [String(calls), mode], { env: { ...process.env, XRAY_OPTIONS: 'patch_premain=false' } });
      const result = parseEmptyCallsOutput(stdout);
      if (mode === 'count' && result.events !== 2 * result.calls) {
        throw new Error(`XRay's counting handler saw ${result.events} events for ${result.calls} calls`);
      }
      return { nsPerCall: result.nsPerCall, note: mode === 'count' ? `handler counted ${result.events} events` : undefined };
    },
  }));
}
