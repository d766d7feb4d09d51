// A stand-alone iprobe-like tool for tests that must kill or demote the
// process running the engine. Uses the built dist/ (see ensureBuilt()).
//   node patch-tool.mjs flip PID ADDRESS COUNT   switch COUNT 5-byte sites at ADDRESS forever, printing "op N"
//   node patch-tool.mjs once PID ADDRESS         switch one site once
import { patchSites } from '../../dist/process/patch-engine.js';

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
// One instruction in either state, like iprobe's own sites (call <-> NOP): no
// thread can stand inside a site, so the engine never single-steps here. (A
// tracer SIGKILLed while single-stepping leaves the trap flag set and the
// thread dies of SIGTRAP: docs/hotpatch-engine.md.)
const MOV_EAX_1 = Uint8Array.of(0xb8, 0x01, 0x00, 0x00, 0x00);

const [mode, pidText, addressText, countText] = process.argv.slice(2);
const pid = Number(pidText);
const address = Number(addressText);
const count = mode === 'once' ? 1 : Number(countText);

function sites(on) {
  return Array.from({ length: count }, (_, i) => ({
    address: address + 5 * i,
    expected: on ? NOPL5 : MOV_EAX_1,
    replacement: on ? MOV_EAX_1 : NOPL5,
  }));
}

try {
  const on = sites(true);
  const off = sites(false);
  for (let op = 1; ; op++) {
    const result = await patchSites(pid, op % 2 === 1 ? on : off);
    process.stdout.write(`op ${op} window ${result.stopWindowNs}\n`);
    if (mode === 'once') break;
  }
} catch (err) {
  process.stderr.write(`${err.name}: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
  process.exitCode = 1;
}
