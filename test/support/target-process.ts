/**
 * A program under test started with the iprobe runtime preloaded (through
 * `iprobe run`, so the program is not a child of the test process: Node
 * must not be the parent of a process it ptraces). Commands go to its stdin,
 * answers come back as lines of its stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { IPROBE_CLI } from './paths.js';

export class TargetProcess {
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';

  private constructor(
    private readonly launcher: ChildProcessWithoutNullStreams,
    readonly pid: number,
  ) {}

  static async start(command: readonly string[], options: { env?: NodeJS.ProcessEnv; mode?: string } = {}): Promise<TargetProcess> {
    const launcher = spawn(process.execPath, [IPROBE_CLI, 'run', '--mode', options.mode ?? 'count', '--', ...command], {
      env: options.env ?? process.env,
    });
    let stderr = '';
    const pid = await new Promise<number>((resolve, reject) => {
      const onData = (d: Buffer) => {
        stderr += d.toString();
        const m = /pid (\d+), runtime segment/.exec(stderr);
        if (m) {
          launcher.stderr.off('data', onData);
          resolve(Number(m[1]));
        }
      };
      launcher.stderr.on('data', onData);
      launcher.once('exit', (code) => reject(new Error(`iprobe run exited (${code}): ${stderr}`)));
    });
    const target = new TargetProcess(launcher, pid);
    target.stderr = stderr;
    let partial = '';
    launcher.stdout.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      target.lines.push(...parts);
      const waiting = target.waiters;
      target.waiters = [];
      waiting.forEach((w) => w());
    });
    launcher.stderr.on('data', (d: Buffer) => (target.stderr += d.toString()));
    return target;
  }

  send(line: string): void {
    this.launcher.stdin.write(`${line}\n`);
  }

  /** The next stdout line matching `pattern` (earlier lines are consumed). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length > 0) {
        const line = this.lines.shift()!;
        const m = pattern.exec(line);
        if (m) return m;
      }
      if (this.launcher.exitCode !== null || this.launcher.signalCode !== null) {
        throw new Error(`target exited (${this.launcher.exitCode ?? this.launcher.signalCode}) waiting for ${pattern}; stderr: ${this.stderr}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${pattern}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Asks the program to do `command` and returns the answer line. */
  async ask(command: string, answer: RegExp): Promise<RegExpExecArray> {
    this.send(command);
    return this.waitFor(answer);
  }

  get alive(): boolean {
    return this.launcher.exitCode === null && this.launcher.signalCode === null;
  }

  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) {
      const exited = once(this.launcher, 'exit');
      this.launcher.stdin.end();
      await exited;
    }
    return { code: this.launcher.exitCode, signal: this.launcher.signalCode };
  }

  kill(): void {
    if (this.alive) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
