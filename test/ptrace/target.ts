/**
 * Test targets for the ptrace engine: compile a C fixture, start it as a
 * process that is not our child (Node's libuv waits for its own children and
 * would take their ptrace stops), read what it prints, and clean up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = path.join(repoRoot, 'fixtures', 'ptrace');

const workDir = mkdtempSync(path.join(tmpdir(), 'iprobe-ptrace-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

export function scratchPath(name: string): string {
  return path.join(workDir, name);
}

/** gcc the fixture into the scratch dir; returns the executable's path. */
export function compileFixture(source: string, flags: string[] = [], output = path.parse(source).name): string {
  const exe = scratchPath(output);
  execFileSync('gcc', ['-O2', '-g', '-Wall', '-Wextra', '-pthread', ...flags, '-o', exe, path.join(fixturesDir, source)]);
  return exe;
}

/**
 * Targets that keep both cores busy make the test's own JavaScript thread
 * wait a time slice for every promise the engine settles; a higher priority
 * for that one thread (not the target, whose threads must run to reach their
 * stops) keeps thousand-operation tests short. Needs root; harmless without.
 */
export function favourTestThread(): void {
  try {
    os.setPriority(-10);
  } catch {
    // not permitted: slower, same results
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** State letters of every thread: 't' (traced stop) or 'T' anywhere means someone left it stopped. */
export function threadStates(pid: number): string[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [stat.charAt(stat.lastIndexOf(')') + 2)];
    } catch {
      return []; // a short-lived thread that exited since the listing
    }
  });
}

export function tracerOf(pid: number): number {
  const m = /^TracerPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? -1);
}

/** Whether no thread of the process is traced (a thread left on its way to a stop is detached a little later). */
export function allThreadsUntraced(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    try {
      return /^TracerPid:\s*0$/m.test(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
    } catch {
      return true; // exited meanwhile
    }
  });
}

export interface Target {
  pid: number;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** `site NAME 0xADDR` lines printed by the fixture. */
  site(name: string): number;
  kill(signal?: NodeJS.Signals): void;
}

const started: number[] = [];
process.on('exit', () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Starts `exe args` in the background of a shell that exits at once, so that init adopts it. */
export async function startTarget(
  exe: string,
  args: string[] = [],
  options: { user?: string } = {},
): Promise<Target> {
  const out = scratchPath(`${path.basename(exe)}-${Date.now()}-${Math.random().toString(36).slice(2)}.out`);
  let command = [exe, ...args];
  if (options.user) {
    const group = options.user === 'nobody' ? 'nogroup' : options.user;
    command = ['setpriv', `--reuid=${options.user}`, `--regid=${group}`, '--clear-groups', ...command];
  }

  const shell = spawnSync('/bin/sh', ['-c', `"$@" >"${out}" 2>&1 </dev/null & echo $!`, 'sh', ...command], {
    encoding: 'utf8',
  });
  const pid = Number(shell.stdout.trim());
  if (!pid) throw new Error(`could not start ${exe}: ${shell.stderr}`);
  started.push(pid);
  const output = () => {
    try {
      return readFileSync(out, 'utf8');
    } catch {
      return '';
    }
  };
  const target: Target = {
    pid,
    output,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      let match: RegExpExecArray | null = null;
      await waitUntil(`${pattern} from ${path.basename(exe)} (output: ${output().slice(-300)})`, () => {
        match = pattern.exec(output());
        return match !== null;
      }, timeoutMs);
      return match!;
    },
    site(name) {
      const m = new RegExp(`^site ${name} (0x[0-9a-f]+)$`, 'm').exec(output());
      if (!m) throw new Error(`fixture printed no site ${name}`);
      return Number(m[1]);
    },
    kill(signal = 'SIGKILL') {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
  };
  return target;
}

/** dist/ must be current for tests that run the engine in a separate Node process. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const full = path.join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
  const built = path.join(repoRoot, 'dist', 'process', 'patch-engine.js');
  let builtAt = 0;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    // not built yet
  }
  if (builtAt < newest(path.join(repoRoot, 'src'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'inherit' });
  }
}
