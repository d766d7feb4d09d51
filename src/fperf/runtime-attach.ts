/**
 * FPerf needs the runtime's segment before anything else; a coldpatched
 * process started without the runtime gets it injected first, as `iprobe hot`
 * does. A process with no probe list (plain -finstrument-functions) cannot be
 * injected into: RuntimeSegment.open then says what to do. Returns the
 * injection (for the report) when this call made one.
 */
import { existsSync } from 'node:fs';
import { ProbeSwitcher } from '../hotpatch/probe-switch.js';
import { describeRuntime, injectionJson } from '../hotpatch/runtime-description.js';
import { segmentPath } from '../runtime/segment.js';
import { UserError } from '../util/user-error.js';

export async function attachRuntimeForProfiling(
  pid: number,
  probeLists: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<Record<string, unknown> | undefined> {
  if (existsSync(segmentPath(pid))) return undefined;
  let switcher: ProbeSwitcher;
  try {
    switcher = await ProbeSwitcher.open(pid, probeLists);
  } catch (err) {
    if (err instanceof UserError && !probeLists?.length) return undefined;
    throw err;
  }
  const attached = await switcher.attachRuntime();
  log(describeRuntime(pid, attached.origin, attached.injection));
  return injectionJson(attached.injection);
}
