// A stand-alone iprobe-like tool for tests that must kill or demote the
// process running the engine. Uses the built dist/ (see ensureBuilt()).
//   node patch-tool.mjs flip PID ADDRESS COUNT   switch COUNT 5-byte sites at ADDRESS forever, printing "op N"
//   node patch-tool.mjs once PID ADDRESS         switch one site once
import { patchSites } from '../../dist/process/patch-engine.js';

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
const ADD_RCX_NOP = Uint8Array.of(0x48, 0x83, 0xc1, 0x01, 0x90);

const [mode, pidText, addressText, countText] = process.argv.slice(2);
const pid = Number(pidText);
const address = Number(addressText);
const count = mode === 'once' ? 1 : Number(countText);

function sites(on) {
  return Array.from({ length: count }, (_, i) => ({
    address: address + 5 * i,
    expected: on ? NOPL5 : ADD_RCX_NOP,
    replacement: on ? ADD_RCX_NOP : NOPL5,
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
