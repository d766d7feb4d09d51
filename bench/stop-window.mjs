// Stop window of the ptrace patch engine for 100 and 10,000 sites on an
// 8-worker process (fixtures/ptrace/hammer.c: 10 threads in all, 9 of them
// busy). Not a test: prints median, p90 and max over RUNS operations.
//   npm run build && node bench/stop-window.mjs [runs]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchSites } from '../dist/process/patch-engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 50);
const dir = mkdtempSync(path.join(tmpdir(), 'iprobe-bench-'));
const exe = path.join(dir, 'hammer');
execFileSync('gcc', ['-O2', '-pthread', '-DBULK_SITES=10000', '-o', exe, path.join(root, 'fixtures/ptrace/hammer.c')]);
const out = path.join(dir, 'out');
// Through a shell, so that the target is not this process's child.
const pid = Number(spawnSync('/bin/sh', ['-c', `"${exe}" 8 >"${out}" 2>&1 & echo $!`], { encoding: 'utf8' }).stdout);
await new Promise((r) => setTimeout(r, 300));
const base = Number(/^site bulk_sites (0x[0-9a-f]+)$/m.exec(readFileSync(out, 'utf8'))[1]);

const NOPL5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
const NOPW5 = Uint8Array.of(0x66, 0x0f, 0x1f, 0x40, 0x00); // another 5-byte nop: both states run anywhere

const ms = (ns) => (ns / 1e6).toFixed(3);
try {
  for (const count of [100, 10_000]) {
    const windows = [];
    let steps = 0;
    let threads = 0;
    for (let i = 0; i < runs; i++) {
      const on = i % 2 === 0;
      const sites = Array.from({ length: count }, (_, k) => ({
        address: base + 5 * k,
        expected: on ? NOPL5 : NOPW5,
        replacement: on ? NOPW5 : NOPL5,
      }));
      const result = await patchSites(pid, sites);
      windows.push(result.stopWindowNs);
      steps += result.restops;
      threads = result.threads;
    }
    windows.sort((a, b) => a - b);
    const at = (q) => windows[Math.min(windows.length - 1, Math.floor(q * windows.length))];
    console.log(
      `${String(count).padStart(6)} sites, ${threads} threads, ${runs} runs: stop window median ${ms(at(0.5))} ms, ` +
        `p90 ${ms(at(0.9))} ms, max ${ms(windows[windows.length - 1])} ms (thread re-stops: ${steps})`,
    );
  }
} finally {
  process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
