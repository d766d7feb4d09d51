// A stand-alone iprobe-like tool for tests that must kill or demote the
// process running the engine. Uses the built dist/ (see ensureBuilt()).
//   node patch-tool.mjs flip PID ADDRESS COUNT   switch COUNT 5-byte sites at ADDRESS forever, printing "op N"
//   node patch-tool.mjs once PID ADDRESS         switch one site once
//   node patch-tool.mjs spin PID ADDRESS         switch hammer's spin_site forever (five 1-byte nops <->
//                                                add $1,%rcx; nop): a thread often stands inside it, and
//                                                the engine must move it out before each write
import { patchSites } from '../../dist/process/patch-engine.js';

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
// One instruction in either state, like iprobe's own sites (call <-> NOP): no
// thread can stand inside a site.
const MOV_EAX_1 = Uint8Array.of(0xb8, 0x01, 0x00, 0x00, 0x00);
const NOP1_X5 = Uint8Array.of(0x90, 0x90, 0x90, 0x90, 0x90);
const ADD_RCX_NOP = Uint8Array.of(0x48, 0x83, 0xc1, 0x01, 0x90);

const [mode, pidText, addressText, countText] = process.argv.slice(2);
const pid = Number(pidText);
const address = Number(addressText);
const count = mode === 'flip' ? Number(countText) : 1;

const [offBytes, onBytes] = mode === 'spin' ? [NOP1_X5, ADD_RCX_NOP] : [NOPL5, MOV_EAX_1];

function sites(on) {
  return Array.from({ length: count }, (_, i) => ({
    address: address + 5 * i,
    expected: on ? offBytes : onBytes,
    replacement: on ? onBytes : offBytes,
  }));
}

try {
  const on = sites(true);
  const off = sites(false);
  for (let op = 1; ; op++) {
    const result = await patchSites(pid, op % 2 === 1 ? on : off);
    process.stdout.write(`op ${op} window ${result.stopWindowNs} moves ${result.restops + result.nopSkips}\n`);
    if (mode === 'once') break;
  }
} catch (err) {
  process.stderr.write(`${err.name}: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
  process.exitCode = 1;
}
