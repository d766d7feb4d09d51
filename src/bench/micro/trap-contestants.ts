/**
 * Probes that trap on every hit: a uprobe on the uninstrumented build
 * (counted by bpftrace, and by perf stat on a `perf probe` event), and a gdb
 * breakpoint whose commands count. One event per call: the entry only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../programs/run-command.js';
import { available, checkInstalled, firstErrorLine, notAvailable, type Availability } from '../suite/availability.js';
import type { CallScale, MicroContestant, MicroMeasurement } from './contestant.js';
import { parseEmptyCallsOutput, type EmptyCallsBuilds } from './empty-calls-builds.js';

/** Calls of the trial run that shows a tool really works here before it is measured. */
const TRIAL_CALLS = 10;

export function bpftraceContestant(builds: EmptyCallsBuilds, scale: CallScale): MicroContestant {
  const measure = async (calls: number): Promise<MicroMeasurement> => {
    const { stdout } = await runCommand('bpftrace', [
      '-e',
      `uprobe:${builds.plain}:empty { @hits = count(); }`,
      '-c',
      `${builds.plain} ${calls}`,
    ]);
    return checkedHits('bpftrace', /^@hits: ([0-9]+)$/m.exec(stdout)?.[1], calls, stdout);
  };
  return {
    id: 'bpftrace-uprobe',
    tool: 'bpftrace',
    label: 'bpftrace uprobe, count()',
    eventsPerCall: 1,
    callCounts: scale.trapping,
    prepare: async () => {
      const installed = await checkInstalled('bpftrace', 'bpftrace', runCommand);
      return installed.available ? trial(() => measure(TRIAL_CALLS)) : installed;
    },
    measure,
  };
}

const TRACEFS = '/sys/kernel/tracing';

export function perfUprobeContestant(builds: EmptyCallsBuilds, scale: CallScale): MicroContestant {
  // A probe group and name of our own, so that we delete only what we added.
  const event = `iprobe_bench:empty_${process.pid}`;
  let added = false;
  let mounted = '';
  const measure = async (calls: number): Promise<MicroMeasurement> => {
    const { stdout, stderr } = await runCommand('perf', ['stat', '-x,', '-e', event, builds.plain, String(calls)]);
    const measurement = checkedHits('perf stat', new RegExp(`^([0-9]+),[^,]*,${event},`, 'm').exec(stderr)?.[1], calls, stdout);
    return { ...measurement, note: `${measurement.note}${mounted}` };
  };
  return {
    id: 'perf-uprobe',
    tool: 'perf',
    label: 'perf probe uprobe, counted by perf stat',
    eventsPerCall: 1,
    callCounts: scale.trapping,
    prepare: async () => {
      const installed = await checkInstalled('perf', 'linux-perf', runCommand);
      if (!installed.available) return installed;
      if (!existsSync(path.join(TRACEFS, 'uprobe_events'))) {
        // perf probe writes uprobe_events in tracefs, which may simply not be mounted yet.
        try {
          await runCommand('mount', ['-t', 'tracefs', 'nodev', TRACEFS]);
          mounted = ` (tracefs mounted at ${TRACEFS} for it)`;
        } catch (err) {
          return notAvailable(`tracefs is not mounted and mounting it failed: ${firstErrorLine(err)}`);
        }
      }
      try {
        await runCommand('perf', ['probe', '-q', '-x', builds.plain, '-a', `${event}=empty`]);
        added = true;
      } catch (err) {
        return notAvailable(`perf probe -x … empty failed: ${firstErrorLine(err)}`);
      }
      return trial(() => measure(TRIAL_CALLS));
    },
    measure,
    cleanup: async () => {
      if (added) await runCommand('perf', ['probe', '-q', '-d', event]).catch(() => undefined);
    },
  };
}

export function gdbContestant(builds: EmptyCallsBuilds, scale: CallScale, workDir: string): MicroContestant {
  const script = path.join(workDir, 'count-breakpoint.gdb');
  const measure = async (calls: number): Promise<MicroMeasurement> => {
    const { stdout } = await runCommand('gdb', ['-q', '-nx', '-batch', '-x', script, '--args', builds.plain, String(calls)]);
    return checkedHits('gdb', /^hits ([0-9]+)$/m.exec(stdout)?.[1], calls, stdout);
  };
  return {
    id: 'gdb-breakpoint',
    tool: 'gdb',
    label: 'gdb breakpoint, commands that count',
    eventsPerCall: 1,
    callCounts: scale.debugger,
    prepare: async () => {
      const installed = await checkInstalled('gdb', 'gdb', runCommand);
      if (!installed.available) return installed;
      writeFileSync(
        script,
        [
          'set pagination off',
          'set confirm off',
          'set $hits = 0',
          'break empty',
          'commands',
          'silent',
          'set $hits = $hits + 1',
          'continue',
          'end',
          'run',
          'printf "hits %d\\n", $hits',
          '',
        ].join('\n'),
      );
      return trial(() => measure(TRIAL_CALLS));
    },
    measure,
  };
}

/** The program's time, once the tool's own count shows that it saw every call. */
function checkedHits(tool: string, hits: string | undefined, calls: number, programOutput: string): MicroMeasurement {
  if (Number(hits) !== calls) throw new Error(`${tool} counted ${hits ?? 'no'} hits for ${calls} calls`);
  return { nsPerCall: parseEmptyCallsOutput(programOutput).nsPerCall, note: `${tool} counted ${hits} hits` };
}

async function trial(run: () => Promise<unknown>): Promise<Availability> {
  try {
    await run();
    return available;
  } catch (err) {
    return notAvailable(firstErrorLine(err));
  }
}
