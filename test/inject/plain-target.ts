/**
 * Targets for the injection tests: programs started plainly (no LD_PRELOAD,
 * no iprobe run), in the background of a shell that exits at once, so that
 * they are not children of the test process. Commands go through a FIFO on
 * their stdin; what they print goes to a file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from '../ptrace/target.js';

export const scratch = mkdtempSync(path.join(tmpdir(), 'iprobe-inject-'));
const started: PlainTarget[] = [];
process.on('exit', () => {
  for (const t of started) t.kill();
  rmSync(scratch, { recursive: true, force: true });
});

export class PlainTarget {
  private consumed = 0;
  private closed = false;

  private constructor(
    readonly pid: number,
    private readonly input: number,
    private readonly outputFile: string,
  ) {}

  static async start(command: readonly string[], env: Record<string, string> = {}): Promise<PlainTarget> {
    const name = `${path.basename(command[0]!)}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const fifo = path.join(scratch, `${name}.in`);
    const output = path.join(scratch, `${name}.out`);
    execFileSync('mkfifo', [fifo]);
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const shell = spawnSync(
      '/bin/sh',
      ['-c', `env ${assignments.map((a) => `'${a}'`).join(' ')} "$@" >"${output}" 2>&1 0<>"${fifo}" & echo $!`, 'sh', ...command],
      { encoding: 'utf8' },
    );
    const pid = Number(shell.stdout.trim());
    if (!pid) throw new Error(`could not start ${command.join(' ')}: ${shell.stderr}`);
    // The program opens its end read-write (<>), which does not wait for a
    // writer: a blocking open would keep the shell's stdout pipe, and this
    // spawnSync, waiting. Its stdin therefore never sees end-of-file.
    const target = new PlainTarget(pid, openSync(fifo, 'w'), output);
    started.push(target);
    return target;
  }

  output(): string {
    try {
      return readFileSync(this.outputFile, 'utf8');
    } catch {
      return '';
    }
  }

  send(line: string): void {
    writeSync(this.input, `${line}\n`);
  }

  /** The next match of `pattern` in what the program printed after the previous match. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await waitUntil(
      `${pattern} from process ${this.pid} (output: ${this.output().slice(-400)})`,
      () => {
        const rest = this.output().slice(this.consumed);
        match = pattern.exec(rest);
        if (match) this.consumed += match.index + match[0].length;
        return match !== null || !this.alive;
      },
      timeoutMs,
    );
    if (!match) throw new Error(`process ${this.pid} ended before printing ${pattern}: ${this.output().slice(-400)}`);
    return match;
  }

  async ask(command: string, answer: RegExp): Promise<RegExpExecArray> {
    this.send(command);
    return this.waitFor(answer);
  }

  /** Every address the program printed as `fn NAME 0x…`. */
  addressOf(name: string): bigint {
    const m = new RegExp(`^fn ${name} (0x[0-9a-f]+)$`, 'm').exec(this.output());
    if (!m) throw new Error(`process ${this.pid} printed no address for ${name}`);
    return BigInt(m[1]!);
  }

  get alive(): boolean {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      return !/^\S+ \(.*\) [ZX]/s.test(stat);
    } catch {
      return false;
    }
  }

  /** Mapped files whose path contains `fragment`. */
  maps(fragment: string): string[] {
    try {
      return readFileSync(`/proc/${this.pid}/maps`, 'utf8')
        .split('\n')
        .filter((l) => l.includes(fragment));
    } catch {
      return [];
    }
  }

  close(): void {
    if (!this.closed) closeSync(this.input);
    this.closed = true;
  }

  kill(): void {
    this.close();
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
