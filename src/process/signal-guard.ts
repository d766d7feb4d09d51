/**
 * Keeps SIGINT, SIGTERM and SIGHUP from killing Node in the middle of a
 * ptrace operation. Node's default for these signals is to die at once,
 * which would let the kernel detach from a half-patched target. While an
 * operation runs, the signal only asks the engine to give up if it has not
 * started writing; when the last operation has settled (finished or rolled
 * back) the signal is raised again with its default action, unless the
 * application listens for it itself.
 */
import { setAbortRequested } from '../native/patch-engine.js';

const GUARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let operationsInFlight = 0;
let deferredSignal: NodeJS.Signals | undefined;

function onSignal(signal: NodeJS.Signals): void {
  deferredSignal ??= signal;
  setAbortRequested(true);
}

export async function withSignalGuard<T>(operation: () => Promise<T>): Promise<T> {
  if (operationsInFlight++ === 0) {
    for (const signal of GUARDED_SIGNALS) process.on(signal, onSignal);
  }
  try {
    return await operation();
  } finally {
    if (--operationsInFlight === 0) {
      for (const signal of GUARDED_SIGNALS) process.off(signal, onSignal);
      setAbortRequested(false);
      const signal = deferredSignal;
      deferredSignal = undefined;
      if (signal && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    }
  }
}
