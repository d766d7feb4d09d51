// A child for signal-guard.test.ts: runs guarded operations that are
// signalled at chosen moments, using the built dist/ (see ensureBuilt()).
//   node signal-guard-tool.mjs settling SIGNAL
//     the signal arrives in the operation's last tick, just before it settles:
//     the guard must still see it and die of it once the operation is done.
//   node signal-guard-tool.mjs between SIGNAL
//     the signal arrives between two operations: default action at the next turn of the event loop.
//   node signal-guard-tool.mjs listened SIGNAL
//     the application listens for the signal itself: the guard leaves it alive.
import { withSignalGuard } from '../../dist/process/signal-guard.js';

const [mode, signal] = process.argv.slice(2);
const settleNow = () => Promise.resolve();

if (mode === 'listened') process.on(signal, () => process.stdout.write(`app saw ${signal}\n`));
for (let op = 0; op < 3; op++) {
  await withSignalGuard(async () => {
    if (mode !== 'between' && op === 1) process.kill(process.pid, signal);
    await settleNow();
  });
  if (mode === 'between' && op === 1) process.kill(process.pid, signal);
  process.stdout.write(`op ${op} done\n`);
}
// Give a delivered-but-not-yet-dispatched signal every chance to act.
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write('survived\n');
