/**
 * A benchmark program started under `iprobe run` (the runtime preloaded),
 * talking a line protocol on stdin/stdout. Going through `iprobe run` keeps
 * the program from being a child of this Node process, which ptrace must
 * not patch (libuv would reap its stops as exits).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../native/load-addon.js';

const IPROBE_CLI = path.join(projectRoot, 'dist', 'cli', 'iprobe.js');

export class ControlledTarget {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private stderr = '';
  private exited = false;

  private constructor(
    private readonly launcher: ChildProcessWithoutNullStreams,
    readonly pid: number,
  ) {}

  static async start(command: readonly string[], env: NodeJS.ProcessEnv, mode = 'count'): Promise<ControlledTarget> {
    const launcher = spawn(process.execPath, [IPROBE_CLI, 'run', '--mode', mode, '--', ...command], { env });
    let stderr = '';
    const pid = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /pid (\d+), runtime segment/.exec(stderr);
        if (m) {
          launcher.stderr.off('data', onData);
          resolve(Number(m[1]));
        }
      };
      launcher.stderr.on('data', onData);
      launcher.once('exit', (code) => reject(new Error(`iprobe run exited (${code}) before the program started: ${stderr.trim()}`)));
    });
    const target = new ControlledTarget(launcher, pid);
    target.stderr = stderr;
    launcher.stderr.on('data', (chunk: Buffer) => (target.stderr += chunk.toString()));
    createInterface({ input: launcher.stdout }).on('line', (line) => {
      target.lines.push(line);
      target.wake?.();
    });
    launcher.once('exit', () => {
      target.exited = true;
      target.wake?.();
    });
    return target;
  }

  send(line: string): void {
    this.launcher.stdin.write(`${line}\n`);
  }

  /** Lines up to and including the first that equals `last`. */
  async readUntil(last: string, timeoutMs = 300_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.lines.indexOf(last);
      if (at >= 0) return this.lines.splice(0, at + 1);
      if (this.exited) throw new Error(`the program exited before printing "${last}": ${this.stderr.trim()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for "${last}" from process ${this.pid}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Closes stdin (the program exits at end of input) and waits for `iprobe
   * run` to end; if it does not, SIGTERM, which `iprobe run` forwards.
   */
  async end(timeoutMs = 10_000): Promise<void> {
    this.launcher.stdin.end();
    if (this.exited) return;
    const timer = setTimeout(() => this.launcher.kill('SIGTERM'), timeoutMs);
    await new Promise<void>((resolve) => this.launcher.once('exit', () => resolve()));
    clearTimeout(timer);
  }
}
