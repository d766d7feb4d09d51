/** How `iprobe hot` and `iprobe trace` say where the runtime came from. */
import path from 'node:path';
import type { AttachedRuntime } from './runtime-injection.js';

type Injection = AttachedRuntime['injection'];

export function describeRuntime(pid: number, origin: 'preloaded' | 'injected' | 'absent', injection: Injection): string {
  if (injection) {
    return (
      `runtime injected now: dlopen(${injection.library}) by thread ${injection.tid} through ${path.basename(injection.dlopenObject)}` +
      ` (${injection.attempts} stop${injection.attempts === 1 ? '' : 's'}, all threads stopped ${(injection.stopWindowNs / 1e6).toFixed(3)} ms,` +
      ` one thread borrowed ${(injection.callNs / 1e6).toFixed(3)} ms)`
    );
  }
  if (origin === 'injected') return `runtime injected earlier into process ${pid}`;
  if (origin === 'preloaded') return `runtime preloaded (LD_PRELOAD) in process ${pid}`;
  return `no runtime in process ${pid}`;
}

/** The injection without bigints, for --json. */
export function injectionJson(injection: Injection): Record<string, unknown> | undefined {
  if (!injection) return undefined;
  return {
    library: injection.library,
    dlopenIn: injection.dlopenObject,
    tid: injection.tid,
    attempts: injection.attempts,
    threads: injection.threads,
    stopWindowNs: injection.stopWindowNs,
    callNs: injection.callNs,
    handle: `0x${injection.handle.toString(16)}`,
  };
}
