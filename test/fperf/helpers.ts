/** Shared by the FPerf tests: fixtures, and a profiling window held open while a test drives the target. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldpatch } from '../../src/coldpatch/coldpatch.js';
import { parseBudget } from '../../src/fperf/budget.js';
import { profileProcess, type ProfileRequest, type ProfileResult } from '../../src/fperf/profile-session.js';
import { profileRow, type FunctionProfile } from '../../src/fperf/profile-report.js';
import { shownEventName } from '../../src/fperf/profile-events.js';
import { nameOf } from '../../src/runtime/symbols.js';
import { defaultBackend, SOFTWARE_EVENTS } from '../support/counter-backends.js';

export const EVENTS = SOFTWARE_EVENTS;
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function compileFixture(name: string, dir: string, instrument = true): string {
  const output = path.join(dir, `${name}${instrument ? '' : '.plain'}`);
  execFileSync('gcc', ['-O2', '-g', '-Wall', '-Wextra', ...(instrument ? ['-finstrument-functions'] : []), path.join(fixtures, `${name}.c`), '-o', output, '-pthread']);
  return output;
}

export async function coldpatchedFixture(name: string, dir: string): Promise<string> {
  const summary = await coldpatch({ input: compileFixture(name, dir) });
  return summary.output!;
}

export interface Window {
  result: Promise<ProfileResult>;
  /** Ends the window and returns its result. */
  end(): Promise<ProfileResult>;
}

/** Starts profiling `pid` (with the backend iprobe would choose, unless given) and resolves once the probes are on and the first interval has passed. */
export async function openWindow(pid: number, request: Partial<Omit<ProfileRequest, 'pid' | 'budget'>> & { budget?: string } = {}): Promise<Window> {
  const stop = new AbortController();
  let started!: () => void;
  const on = new Promise<void>((resolve) => (started = resolve));
  const result = profileProcess({
    pid,
    events: EVENTS,
    backend: request.backend ?? defaultBackend(),
    intervalMs: 50,
    durationMs: 120_000,
    functions: [],
    ...request,
    budget: parseBudget(request.budget ?? 'none'),
    stop: stop.signal,
    log: (line) => {
      request.log?.(line);
      if (line.startsWith('profiling')) started();
    },
  });
  await Promise.race([on, result]);
  await new Promise((resolve) => setTimeout(resolve, 120));
  return {
    result,
    end: () => {
      stop.abort();
      return result;
    },
  };
}

/** Rows by function name, with per-call averages by event (short names). */
export function rowsByName(result: ProfileResult): Map<string, FunctionProfile & { avg: (event: string, kind?: 'inclusive' | 'exclusive') => number }> {
  const events = result.events.map(shownEventName);
  const rows = new Map();
  for (const f of result.functions) {
    const row = profileRow(f, events, nameOf(result.resolve, f.address));
    rows.set(row.name, {
      ...row,
      avg: (event: string, kind: 'inclusive' | 'exclusive' = 'inclusive') => {
        const e = events.findIndex((name) => name.endsWith(event));
        return row.perCall ? row.perCall[e]![kind] : NaN;
      },
    });
  }
  return rows;
}
