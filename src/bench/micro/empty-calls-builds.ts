/** The builds of bench/micro/empty-calls.c that the micro-benchmark compares. */
import path from 'node:path';
import { coldpatch } from '../../coldpatch/coldpatch.js';
import { projectRoot } from '../../native/load-addon.js';
import { runCommand } from '../programs/run-command.js';
import { firstErrorLine } from '../suite/availability.js';

export const EMPTY_CALLS_SOURCE = path.join(projectRoot, 'bench', 'micro', 'empty-calls.c');

export interface EmptyCallsBuilds {
  /** gcc -O2. */
  plain: string;
  /** gcc -O2 -finstrument-functions. */
  instrumented: string;
  /** `instrumented` after iprobe coldpatch (its probe list beside it). */
  coldpatched: string;
  /** clang -O2 -fxray-instrument, or why it could not be built here. */
  xray: { path: string } | { why: string };
}

export async function buildEmptyCalls(dir: string): Promise<EmptyCallsBuilds> {
  const out = (name: string) => path.join(dir, name);
  await runCommand('gcc', ['-O2', '-g', '-o', out('plain'), EMPTY_CALLS_SOURCE]);
  await runCommand('gcc', ['-O2', '-g', '-finstrument-functions', '-o', out('instrumented'), EMPTY_CALLS_SOURCE]);
  await coldpatch({ input: out('instrumented'), output: out('coldpatched') });
  return { plain: out('plain'), instrumented: out('instrumented'), coldpatched: out('coldpatched'), xray: await buildXray(out('xray')) };
}

async function buildXray(output: string): Promise<EmptyCallsBuilds['xray']> {
  try {
    // Threshold 1: XRay leaves functions under 200 instructions alone by default.
    await runCommand('clang', [
      '-O2',
      '-g',
      '-DEMPTY_CALLS_XRAY',
      '-fxray-instrument',
      '-fxray-instruction-threshold=1',
      '-o',
      output,
      EMPTY_CALLS_SOURCE,
    ]);
    return { path: output };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { why: missing ? 'clang is not installed (Debian: clang)' : `clang -fxray-instrument failed: ${firstErrorLine(err)}` };
  }
}

export interface EmptyCallsResult {
  nsPerCall: number;
  calls: number;
  /** Only the XRay build with its counting handler prints it. */
  events?: number;
}

export function parseEmptyCallsOutput(text: string): EmptyCallsResult {
  const value = (key: string) => {
    const m = new RegExp(`^${key} ([0-9.]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const nsPerCall = value('ns_per_call');
  const calls = value('calls');
  if (nsPerCall === undefined || calls === undefined) throw new Error(`empty-calls printed no result: ${text.trim().slice(-300)}`);
  const events = value('events');
  return { nsPerCall, calls, ...(events === undefined ? {} : { events }) };
}
