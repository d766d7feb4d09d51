import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'bench', 'programs', 'cli.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('iprobe-programs CLI', () => {
  let cacheDir: string;
  beforeAll(() => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (scripts/test.sh does) before these tests`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iprobe-cli-cache-'));
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('explains itself', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['list', 'fetch', 'build', 'run']) expect(stdout).toContain(command);
    expect(stdout).toContain('instrumented, cf-protection, no-plt, full-relro, no-pie');
  });

  it('lists the six programs', async () => {
    const { code, stdout } = await runCli(['list']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['bzip2', 'lz4', 'lua', 'zstd', 'sqlite3', 'redis']);
  });

  it('says in one line what is wrong with a request', async () => {
    const unknown = await runCli(['run', 'gzip']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("iprobe-programs: unknown program 'gzip' (known: bzip2, lz4, lua, zstd, sqlite3, redis)\n");
    const badVariant = await runCli(['build', 'bzip2', '--variant', 'O2+lto']);
    expect(badVariant.code).toBe(1);
    expect(badVariant.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('two processes building the same variant into an empty cache share one build, then run it', async () => {
    const args = ['--cache-dir', cacheDir, 'build', 'bzip2', '--variant', 'O2+instrumented', '--json'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [builtA, builtB] = [JSON.parse(a.stdout)[0], JSON.parse(b.stdout)[0]];
    expect(builtA.main).toBe(builtB.main);
    expect([builtA.cached, builtB.cached].sort()).toEqual([false, true]);
    expect((a.stderr + b.stderr).match(/^iprobe programs: building /gm)).toHaveLength(1);

    const run = await runCli(['--cache-dir', cacheDir, 'run', 'bzip2', '--variant', 'O2+instrumented', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ program: 'bzip2', variant: 'O2+instrumented', size: 'quick' });
    expect(result.outputDigest).toMatch(/^[0-9a-f]{64}$/);
  });
});
