import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPROBE_CLI } from '../support/paths.js';
import { Fixture, compileFixture } from './helpers.js';
import { LAYOUT_VERSION } from '../../src/runtime/layout.js';

const cli = IPROBE_CLI;
const iprobe = (...args: string[]) => spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('iprobe run / iprobe runtime', () => {
  let control: string;
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} missing: npm run build`);
    control = compileFixture('control.c');
  });

  it('passes the exit status through and says where the segment is', () => {
    const result = iprobe('run', '--mode', 'count', '--', '/bin/sh', '-c', 'exit 7');
    expect(result.status).toBe(7);
    expect(result.stderr).toMatch(/^iprobe: pid (\d+), runtime segment \/dev\/shm\/iprobe\.\1 \(mode count\)$/m);
  });

  it('dies of the signal that killed the program', () => {
    const result = iprobe('run', '--', '/bin/sh', '-c', 'kill -TERM $$');
    expect(result.signal).toBe('SIGTERM');
  });

  it('forwards signals to the program and shows its runtime while it runs', async () => {
    const run = spawn('node', [cli, 'run', '--mode', 'off', '--', control], { stdio: 'pipe' });
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let stdout = '';
    run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => run.once('exit', (_code, signal) => resolve(signal)));
    const answered = async (text: string) => {
      while (!stdout.includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    run.stdin.write('call 5\n');
    await answered('done call 5');
    // The program's stdout and iprobe run's stderr are separate pipes: either may come first.
    while (!/pid (\d+)/.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
    const pid = /pid (\d+)/.exec(stderr)![1]!;

    const switched = iprobe('runtime', pid, '--mode', 'count', '--json');
    expect(switched.stderr).toBe('');
    expect(switched.status).toBe(0);
    expect(JSON.parse(switched.stdout)).toMatchObject({ pid: Number(pid), mode: 'count', version: LAYOUT_VERSION });
    run.stdin.write('call 3\n');
    await answered('done call 3');
    const shown = iprobe('runtime', pid);
    expect(shown.stdout).toMatch(/^mode count/m);
    expect(shown.stdout).toMatch(/^\s+3\s.*\bstep$/m);

    run.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
  });

  it('explains a process without a runtime, in one line', async () => {
    const plain = Fixture.startPlain(control, []);
    try {
      await plain.ask('call 1');
      const result = iprobe('runtime', String(plain.pid));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^iprobe: no iprobe runtime in process ${plain.pid} \\(.*iprobe run.*\\)\\n$`));
    } finally {
      await plain.kill();
    }
    expect(iprobe('run', '--mode', 'fast', '--', 'true').stderr).toMatch(/unknown mode 'fast'/);
  });
});
