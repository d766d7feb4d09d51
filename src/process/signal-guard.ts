/**
 * Keeps SIGINT, SIGTERM and SIGHUP from killing Node in the middle of a
 * ptrace operation. Node's default for these signals is to die at once,
 * which would let the kernel detach from a half-patched target. While an
 * operation runs, the signal only asks the engine to give up if it has not
 * started writing; when the last operation has settled (finished or rolled
 * back) the signal is raised again with its default action, unless the
 * application listens for it itself.
 *
 * The listeners stay installed from the first operation on. Removing them
 * when an operation settles lost signals: libuv catches a signal at once but
 * hands it to JavaScript only on its next poll, and a listener removed in
 * between (the operation's promise settling in the same tick) drops it. A
 * tool switching probes in a loop then never died of its SIGTERM.
 */
import { setAbortRequested } from '../native/patch-engine.js';

const GUARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let installed = false;
let operationsInFlight = 0;
let deferredSignal: NodeJS.Signals | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (operationsInFlight > 0) {
    deferredSignal ??= signal;
    setAbortRequested(true);
    return;
  }
  actOn(signal);
}

/** What Node would have done without the guard: nothing if the application listens, else the default action. */
function actOn(signal: NodeJS.Signals): void {
  if (process.listeners(signal).some((listener) => listener !== onSignal)) return;
  // Removing the last listener restores SIG_DFL before kill() raises it.
  for (const guarded of GUARDED_SIGNALS) process.off(guarded, onSignal);
  installed = false;
  process.kill(process.pid, signal);
}

export async function withSignalGuard<T>(operation: () => Promise<T>): Promise<T> {
  if (!installed) {
    for (const signal of GUARDED_SIGNALS) process.on(signal, onSignal);
    installed = true;
  }
  operationsInFlight++;
  try {
    return await operation();
  } finally {
    if (--operationsInFlight === 0) {
      setAbortRequested(false);
      const signal = deferredSignal;
      deferredSignal = undefined;
      if (signal) actOn(signal);
    }
  }
}
