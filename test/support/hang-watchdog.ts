/**
 * A hang guard for tests that run many cases in process. A loop stuck in
 * synchronous code never yields, so no timer of this thread can report it;
 * a worker thread can: it watches a shared counter the test advances once per
 * case and, when the counter stalls, prints the stuck case and kills the
 * process (vitest then reports the file as failed).
 */
import { Worker } from 'node:worker_threads';

const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
// [0]: cases started, [1]: 1 while a case runs.
const progress = new Int32Array(workerData.progress);
let current = '(no case started)';
parentPort.on('message', (m) => { current = m; });
let last = -1;
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(progress, 0);
  if (now !== last || Atomics.load(progress, 1) === 0) { last = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.limitMs) {
    writeSync(2, 'hang: no progress for ' + workerData.limitMs + ' ms in ' + current + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 100);
`;

export interface HangWatchdog {
  /** Marks the start of a case; `description` is what gets printed if it hangs. */
  started(description: string): void;
  /** No case runs until the next started(): the test may take its time. */
  idle(): void;
  stop(): Promise<void>;
}

export function startHangWatchdog(limitMs: number): HangWatchdog {
  const progress = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WATCHER, { eval: true, workerData: { progress: progress.buffer, limitMs } });
  worker.unref();
  return {
    started(description) {
      worker.postMessage(description);
      Atomics.add(progress, 0, 1);
      Atomics.store(progress, 1, 1);
    },
    idle() {
      Atomics.store(progress, 1, 0);
    },
    async stop() {
      await worker.terminate();
    },
  };
}
