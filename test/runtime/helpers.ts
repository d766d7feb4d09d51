/** Shared by the runtime tests: compile C fixtures, start them with the runtime preloaded, talk to them. */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { preloadEnvironment, runtimeLibraryPath } from '../../src/runtime/library.js';
import type { Mode } from '../../src/runtime/layout.js';
import { RuntimeSegment, segmentPath } from '../../src/runtime/segment.js';
import { INCLUDE_DIR } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

export const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Where this test file's compiled fixtures go; removed after its tests. */
const buildDir = useTempDir('runtime-test');

export function fixtureBuildDir(): string {
  return buildDir;
}

/** Compiles fixtures/<source> with gcc/g++ (-finstrument-functions unless told otherwise); returns the binary. */
export function compileFixture(source: string, extraFlags: string[] = ['-finstrument-functions', '-O2']): string {
  if (!existsSync(runtimeLibraryPath)) throw new Error(`${runtimeLibraryPath} missing: npm run build:native`);
  const output = path.join(fixtureBuildDir(), `${path.basename(source).replace(/\.\w+$/, '')}-${extraFlags.join('').replace(/\W/g, '')}`);
  const compiler = source.endsWith('.cc') ? 'g++' : 'gcc';
  execFileSync(compiler, ['-g', '-Wall', '-Wextra', `-I${INCLUDE_DIR}`, ...extraFlags, path.join(fixtureDir, source), '-o', output, '-pthread', '-ldl']);
  return output;
}

/** A running fixture that answers commands on stdin with lines on stdout. */
export class Fixture {
  private buffered = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffered += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(exe: string, args: string[], mode: Mode, env: NodeJS.ProcessEnv = {}): Fixture {
    const child = spawn(exe, args, { env: preloadEnvironment({ ...process.env, ...env }, mode), stdio: 'pipe' });
    return new Fixture(child);
  }

  /** Without the runtime preloaded. */
  static startPlain(exe: string, args: string[]): Fixture {
    const { LD_PRELOAD: _preload, IPROBE_MODE: _mode, ...env } = process.env;
    return new Fixture(spawn(exe, args, { env, stdio: 'pipe' }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get segmentPath(): string {
    return segmentPath(this.pid);
  }

  /** The next stdout line matching `pattern` (earlier lines are consumed). */
  async line(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        const match = line.match(pattern);
        if (match) return match;
      }
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no line matching ${pattern} from pid ${this.pid} (exit ${this.child.exitCode})`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Sends a command line and waits for its answer line. */
  async ask(command: string, answer: RegExp = /^done/): Promise<RegExpMatchArray> {
    this.child.stdin.write(`${command}\n`);
    return this.line(answer);
  }

  open(): RuntimeSegment {
    return RuntimeSegment.open(this.pid);
  }

  async finish(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    return this.exited;
  }

  /** Kills it (if still running) and removes the segment it leaves behind. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    rmSync(this.segmentPath, { force: true });
  }
}

/** The fixtures a describe block starts; whatever is left is killed after each test. */
export function trackFixtures(): Fixture[] {
  const running: Fixture[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((f) => f.kill()));
  });
  return running;
}

/** Function-symbol addresses of a fixture binary, by name (link-time). */
export function symbolAddresses(exe: string): Map<string, number> {
  const out = execFileSync('nm', ['--defined-only', exe], { encoding: 'utf8' });
  const map = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [address, type, name] = line.split(' ');
    if (name && /[tTwW]/.test(type ?? '')) map.set(name, parseInt(address!, 16));
  }
  return map;
}

/** Calls by function name from a live runtime, resolved through the segment's load bias. */
export function callsByName(segment: RuntimeSegment, exe: string): Map<string, number> {
  const bias = Number(segment.header().exeLoadBias);
  const names = new Map([...symbolAddresses(exe)].map(([name, address]) => [address + bias, name]));
  const calls = new Map<string, number>();
  for (const stat of segment.functionStats()) {
    const name = names.get(stat.address) ?? `0x${stat.address.toString(16)}`;
    calls.set(name, (calls.get(name) ?? 0) + stat.calls);
  }
  return calls;
}
