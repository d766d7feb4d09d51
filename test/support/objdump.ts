/**
 * An oracle independent of iprobe's decoder: GNU objdump's disassembly,
 * counting the branches it annotates with a hook symbol.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HookBranchLine {
  address: number;
  text: string;
}

export async function objdumpHookBranches(file: string): Promise<HookBranchLine[]> {
  const { stdout } = await run('objdump', ['-d', '--no-show-raw-insn', '-w', file], { maxBuffer: 512 * 1024 * 1024 });
  const found: HookBranchLine[] = [];
  let inPlt = false;
  for (const line of stdout.split('\n')) {
    const section = /^Disassembly of section (\S+):/.exec(line);
    if (section) {
      inPlt = section[1] === '.plt' || section[1]!.startsWith('.plt.');
      continue;
    }
    if (inPlt) continue;
    const m = /^\s*([0-9a-f]+):\s+(.*)$/.exec(line);
    if (!m) continue;
    const text = m[2]!;
    if (/\b(call|jmp|j[a-z]{1,3})\b/.test(text) && /<__cyg_profile_func_(enter|exit)(@plt|@GLIBC[^>]*)?>/.test(text)) {
      found.push({ address: Number.parseInt(m[1]!, 16), text });
    }
  }
  return found;
}
