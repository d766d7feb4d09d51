/**
 * Instructions a program's workload executes, counted by callgrind: the
 * measure that a loaded, shared machine does not disturb. Each binary is
 * replaced by a script that runs it under valgrind, so the workload, its
 * inputs and its output checks stay exactly those of the timed runs.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Program, ProgramBinaries, WorkloadSize } from '../programs/program.js';

export interface InstructionTotal {
  instructions: number;
  /** Processes counted (a workload may run its binary several times). */
  processes: number;
  outputDigest: string;
}

export async function countWorkloadInstructions(
  program: Program,
  binaries: ProgramBinaries,
  dir: string,
  size: WorkloadSize,
): Promise<InstructionTotal> {
  const logs = path.join(dir, 'callgrind-logs');
  mkdirSync(logs, { recursive: true });
  const wrapped: Record<string, string> = {};
  for (const [name, binary] of Object.entries(binaries)) {
    const script = path.join(dir, name);
    const log = path.join(logs, `${name}.%p.log`);
    writeFileSync(
      script,
      `#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file=${shellQuote(log)} ${shellQuote(binary)} "$@"\n`,
    );
    chmodSync(script, 0o755);
    wrapped[name] = script;
  }
  const result = await program.run(wrapped, { size });
  let instructions = 0;
  let processes = 0;
  for (const file of readdirSync(logs)) {
    const refs = /I\s+refs:\s+([0-9,]+)/.exec(readFileSync(path.join(logs, file), 'utf8'))?.[1];
    if (!refs) throw new Error(`callgrind log ${file} of ${program.name} has no instruction count (did the process end by a signal?)`);
    instructions += Number(refs.replace(/,/g, ''));
    processes++;
  }
  if (processes === 0) throw new Error(`the ${program.name} workload ran no process under callgrind`);
  return { instructions, processes, outputDigest: result.outputDigest };
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
