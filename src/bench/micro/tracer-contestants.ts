/**
 * Tracers that record every event to a file: uftrace (its libmcount takes
 * the -finstrument-functions hooks) and LTTng-UST's cyg-profile helper
 * (preloaded, it defines the hooks and emits a tracepoint per hook).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../programs/run-command.js';
import { available, checkInstalled, notAvailable, type Availability } from '../suite/availability.js';
import type { CallScale, MicroContestant } from './contestant.js';
import { parseEmptyCallsOutput, type EmptyCallsBuilds } from './empty-calls-builds.js';

export function uftraceContestant(builds: EmptyCallsBuilds, scale: CallScale, workDir: string): MicroContestant {
  return {
    id: 'uftrace-record',
    tool: 'uftrace',
    label: 'uftrace record (-finstrument-functions build)',
    eventsPerCall: 2,
    callCounts: scale.recording,
    prepare: () => checkInstalled('uftrace', 'uftrace', runCommand),
    measure: async (calls) => {
      const data = mkdtempSync(path.join(workDir, 'uftrace-'));
      try {
        const { stdout } = await runCommand('uftrace', ['record', '--no-libcall', '-d', data, builds.instrumented, String(calls)]);
        return { nsPerCall: parseEmptyCallsOutput(stdout).nsPerCall, note: `trace written to ${path.basename(data)}/` };
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    },
  };
}

const CYG_PROFILE_LIBRARY = 'liblttng-ust-cyg-profile-fast.so';
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib', '/usr/local/lib'];

export function lttngContestant(builds: EmptyCallsBuilds, scale: CallScale, workDir: string): MicroContestant {
  let sessionDaemon: ChildProcess | undefined;
  let library: string | undefined;
  let sessions = 0;
  const lttng = (...args: string[]) => runCommand('lttng', args);
  return {
    id: 'lttng-ust-cyg-profile',
    tool: 'LTTng-UST',
    label: 'LTTng-UST liblttng-ust-cyg-profile-fast (preloaded)',
    eventsPerCall: 2,
    callCounts: scale.recording,
    prepare: async () => {
      const installed = await checkInstalled('lttng', 'lttng-tools', runCommand);
      if (!installed.available) return installed;
      library = LIBRARY_DIRS.map((d) => path.join(d, CYG_PROFILE_LIBRARY)).find((f) => existsSync(f));
      if (!library) return notAvailable(`${CYG_PROFILE_LIBRARY} is not installed (Debian package liblttng-ust-dev)`);
      const daemon = await ensureSessionDaemon();
      sessionDaemon = daemon.started;
      return daemon.availability;
    },
    measure: async (calls) => {
      const session = `iprobe-bench-${process.pid}-${++sessions}`;
      const output = mkdtempSync(path.join(workDir, 'lttng-'));
      try {
        await lttng('create', session, `--output=${output}`);
        // Buffers large enough that the events of a run are written, not discarded.
        await lttng('enable-channel', '-u', '-s', session, '--subbuf-size=4M', '--num-subbuf=8', 'bench');
        await lttng('enable-event', '-u', '-s', session, '-c', 'bench', 'lttng_ust_cyg_profile_fast:*');
        await lttng('start', session);
        const { stdout } = await runCommand(builds.instrumented, [String(calls)], { env: { ...process.env, LD_PRELOAD: library } });
        const stop = await lttng('stop', session);
        const discarded = /([0-9]+) events? (?:were|was) discarded/i.exec(stop.stdout + stop.stderr)?.[1];
        return {
          nsPerCall: parseEmptyCallsOutput(stdout).nsPerCall,
          note: discarded ? `${discarded} events discarded by LTTng` : 'no events discarded',
        };
      } finally {
        await lttng('destroy', session).catch(() => undefined);
        rmSync(output, { recursive: true, force: true });
      }
    },
    cleanup: async () => {
      if (!sessionDaemon) return;
      sessionDaemon.kill('SIGTERM');
      await new Promise((resolve) => sessionDaemon!.once('exit', resolve));
    },
  };
}

/**
 * LTTng's session daemon: use one that is running, else start our own (user
 * space only, in the foreground so that we hold its pid and stop it after).
 */
async function ensureSessionDaemon(): Promise<{ availability: Availability; started?: ChildProcess }> {
  const reachable = () =>
    runCommand('lttng', ['list']).then(
      () => true,
      () => false,
    );
  if (await reachable()) return { availability: available };
  const daemon = spawn('lttng-sessiond', ['--no-kernel'], { stdio: 'ignore' });
  let failure: string | undefined;
  daemon.once('error', (err) => (failure = err.message));
  daemon.once('exit', (code) => (failure ??= `lttng-sessiond exited with ${code}`));
  for (let waited = 0; waited < 10_000 && !failure; waited += 100) {
    if (await reachable()) return { availability: available, started: daemon };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!failure) daemon.kill('SIGTERM');
  return { availability: notAvailable(`cannot start lttng-sessiond: ${failure ?? 'no answer within 10 s'}`) };
}
