/**
 * Turns the ptrace engine's failures into one-line UserErrors that say why,
 * reading /proc to tell apart the many reasons the kernel answers EPERM.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../util/user-error.js';
import { isEngineFailure } from '../native/patch-engine.js';
import { commandName, readStatus, type ProcessStatus } from './proc-status.js';

const CAP_SYS_PTRACE = 19n;
const YAMA_SCOPE = '/proc/sys/kernel/yama/ptrace_scope';

function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === uid && name) return `${uid} (${name})`;
    }
  } catch {
    // no passwd file: the number alone
  }
  return String(uid);
}

function describeTracer(tracerTid: number): string {
  const name = commandName(tracerTid);
  const tracerTgid = readStatus(tracerTid)?.tgid ?? tracerTid;
  return `${name ?? 'another process'} (pid ${tracerTgid})`;
}

/** Why the kernel refused to let us trace `pid` (or thread `tid` of it). */
export function explainPermissionDenied(pid: number, tid = pid): UserError {
  const target = readStatus(pid);
  if (!target) return noSuchProcess(pid);
  const thread = readStatus(pid, tid) ?? target;
  const tracer = thread.tracerPid || target.tracerPid;
  if (tracer && readStatus(tracer)?.tgid !== process.pid) {
    return new UserError(
      `process ${pid} (${target.name}) is already traced by ${describeTracer(tracer)}`,
      'a process can have one tracer only: detach that debugger (quit gdb, stop strace) and retry',
    );
  }
  const me = readStatus(process.pid)!;
  const euid = me.uids[1] ?? -1;
  const hasCapPtrace = ((me.capEff >> CAP_SYS_PTRACE) & 1n) === 1n;
  if (!hasCapPtrace) {
    if (euid !== 0 && !sameCredentials(me, target)) {
      return new UserError(
        `permission denied: process ${pid} runs as uid ${userName(target.uids[1] ?? -1)}, you are uid ${userName(euid)}`,
        'run iprobe as root, or as the user the service runs as',
      );
    }
    if (euid === 0) {
      return new UserError(
        `permission denied: root without CAP_SYS_PTRACE cannot trace process ${pid}`,
        'grant CAP_SYS_PTRACE (in a container: --cap-add=SYS_PTRACE)',
      );
    }
  }
  const scope = yamaScope();
  if (scope !== undefined && scope >= 1 && !(scope === 1 && hasCapPtrace) && !(scope === 2 && hasCapPtrace)) {
    const rule =
      scope === 1
        ? 'allows tracing only descendants of the tracer'
        : scope === 2
          ? 'allows tracing only with CAP_SYS_PTRACE'
          : 'forbids ptrace attach entirely';
    return new UserError(
      `permission denied: kernel.yama.ptrace_scope=${scope} ${rule}`,
      scope === 3 ? 'the setting can only be lowered by rebooting' : 'run as root, or set kernel.yama.ptrace_scope=0',
    );
  }
  if (!hasCapPtrace && !dumpable(pid, target)) {
    return new UserError(
      `permission denied: process ${pid} is not dumpable (setuid/setgid, or prctl(PR_SET_DUMPABLE, 0))`,
      'only root with CAP_SYS_PTRACE can trace it',
    );
  }
  return new UserError(`permission denied: cannot trace process ${pid}`, 'run iprobe as root');
}

function sameCredentials(me: ProcessStatus, target: ProcessStatus): boolean {
  // ptrace_may_access: our real uid/gid must equal all of the target's real, effective and saved ids.
  const uid = me.uids[0];
  const gid = me.gids[0];
  return target.uids.slice(0, 3).every((u) => u === uid) && target.gids.slice(0, 3).every((g) => g === gid);
}

function yamaScope(): number | undefined {
  if (!existsSync(YAMA_SCOPE)) return undefined;
  return Number(readFileSync(YAMA_SCOPE, 'utf8').trim());
}

/** The kernel gives /proc/PID of a non-dumpable process to root; a dumpable one belongs to its euid. */
function dumpable(pid: number, target: ProcessStatus): boolean {
  try {
    return statSync(`/proc/${pid}`).uid === target.uids[1];
  } catch {
    return true;
  }
}

function isRunning(pid: number): boolean {
  const status = readStatus(pid);
  return status !== undefined && status.state !== 'Z' && status.state !== 'X';
}

export function noSuchProcess(pid: number): UserError {
  return new UserError(`no process with pid ${pid}`, 'check the pid (ps -e, pgrep)');
}

/** Maps an engine failure to a UserError; anything else (a bug) is returned unchanged. */
export function explainEngineFailure(pid: number, err: unknown): unknown {
  if (!isEngineFailure(err)) return err;
  // Whatever request failed first (registers, memory, a step), a process
  // that is gone (or dying) by now is the real reason.
  if (err.code !== 'no-such-process' && err.code !== 'zombie' && !isRunning(pid)) {
    return new UserError(`process ${pid} exited during the operation; nothing is left to patch`);
  }
  switch (err.code) {
    case 'no-such-process':
      return noSuchProcess(pid);
    case 'attach-denied':
    case 'memory-denied':
      return explainPermissionDenied(pid, err.tid || pid);
    case 'zombie':
      return new UserError(`process ${pid} is a zombie: it has exited and waits for its parent to reap it`);
    case 'exited':
      return new UserError(`process ${pid} exited during the operation; nothing is left to patch`);
    case 'interrupted':
      return new UserError(err.message, 'interrupted by a signal; the target was left as it was', 130);
    case 'stop-timeout':
      return new UserError(
        err.message,
        'a thread in uninterruptible sleep (D) or in vfork() cannot stop; nothing was written, retry later',
      );
    case 'site-mismatch':
      return new UserError(err.message, 'the probe list does not match this process, or another tool changed its code');
    case 'thread-in-site':
    case 'thread-in-zone':
      return new UserError(err.message, 'nothing was written; retry');
    case 'write-failed':
    case 'verify-failed':
      return new UserError(err.message, 'nothing was left changed');
    case 'loader-busy':
      return new UserError(
        err.message,
        'a thread stays inside the dynamic loader or malloc (a long library constructor, a busy allocator); retry later',
      );
    case 'dlopen-failed':
      return new UserError(`dlopen inside process ${pid} failed: ${err.message}`, 'the process runs on unchanged');
    case 'seccomp-forbids':
    case 'seccomp-strict':
    case 'seccomp-unreadable':
      return new UserError(err.message, 'nothing was loaded; start the service with the runtime preloaded (iprobe run) instead');
    case 'stack-too-small':
    case 'no-thread':
    case 'remote-call-unsupported':
      return new UserError(err.message, 'nothing was loaded; the process runs on unchanged');
    case 'remote-call-timeout':
      // the call was abandoned half-way: its effects (locks it took, memory it changed) stay
      return new UserError(err.message, 'the borrowed thread runs on from where it was stopped; what the abandoned call did is not undone');
    case 'remote-call-fault':
      return new UserError(err.message, 'the borrowed thread was put back as it was');
    case 'rollback-failed':
      return new UserError(err.message, 'the listed sites hold the new bytes; the code is still valid but inconsistent', 3);
    default:
      return new UserError(err.message);
  }
}
