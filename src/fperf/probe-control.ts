/**
 * Switching the probes FPerf needs, or noticing it needs none: a binary
 * built with -finstrument-functions but not coldpatched calls the hooks
 * everywhere already, and a selection cannot be made on it. Names come from
 * the probe lists, or from the executable's symbols.
 */
import { probeListResolver } from '../hotpatch/probe-names.js';
import { processProbes } from '../hotpatch/process-probes.js';
import { switchProbes, type SwitchOutcome } from '../hotpatch/probe-switch.js';
import { DEFAULT_KINDS } from '../hotpatch/site-selection.js';
import { executableResolver, type NameResolver } from '../runtime/symbols.js';
import { UserError } from '../util/user-error.js';

export interface ProbeControl {
  /** Probes are switched (coldpatched objects) or always on (plain -finstrument-functions). */
  kind: 'switched' | 'always-on';
  resolve: NameResolver;
  /** Switches the probes of these functions (all when empty) on or off; undefined when always on. */
  switch(on: boolean, functions: readonly string[]): Promise<SwitchOutcome | undefined>;
}

export async function probeControl(pid: number, probeLists: readonly string[] | undefined, exeLoadBias: number): Promise<ProbeControl> {
  let probed;
  try {
    ({ probed } = await processProbes(pid, probeLists));
  } catch (err) {
    if (!(err instanceof UserError) || probeLists?.length) throw err;
    return {
      kind: 'always-on',
      resolve: executableResolver(`/proc/${pid}/exe`, exeLoadBias),
      switch: async (_on, functions) => {
        if (functions.length) {
          throw new UserError(
            `process ${pid} has no probe list: its hooks are all live, so --fn cannot choose functions`,
            'coldpatch the binary (iprobe coldpatch) to profile only some functions',
          );
        }
        return undefined;
      },
    };
  }
  return {
    kind: 'switched',
    resolve: probeListResolver(probed),
    switch: (on, functions) =>
      switchProbes({ pid, on, selection: { functions, all: functions.length === 0, kinds: DEFAULT_KINDS }, probeLists }),
  };
}
