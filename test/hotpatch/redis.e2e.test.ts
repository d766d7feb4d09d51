/**
 * HotPatch on a real server: redis-server from Debian's sources, built with
 * -finstrument-functions and coldpatched, serving redis-benchmark on
 * 127.0.0.1 while its command handlers are switched on, traced and switched
 * off. Every reply must stay right and the benchmark must see no error.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import { parseBenchmarkCsv } from '../../src/bench/programs/redis-benchmark-output.js';
import { RespClient } from '../../src/bench/programs/resp-client.js';
import { instrumentedVariant } from '../../src/bench/programs/variant.js';
import { iprobe } from '../support/iprobe-cli.js';
import { TargetProcess } from '../support/target-process.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('hot-redis');
let server: TargetProcess | undefined;
let port = 0;

beforeAll(async () => {
  const built = await buildProgram('redis', instrumentedVariant);
  const cold = path.join(dir, 'redis-server');
  const r = await iprobe(['coldpatch', built.binaries['redis-server']!, '-o', cold]);
  expect(r.code, r.stderr).toBe(0);
  port = await freePort();
  const data = path.join(dir, 'data');
  mkdirSync(data);
  const config = path.join(dir, 'redis.conf');
  writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${data}`, 'daemonize no', ''].join('\n'));
  server = await TargetProcess.start([cold, config]);
  await waitForPong(port);
}, 600_000);

afterAll(() => server?.kill());

test('redis-benchmark sees no error while command handlers are switched on, traced and off; replies stay right', async () => {
  const pid = String(server!.pid);
  const benchmark = runBenchmark(port);

  // Under load: handlers on (count), a trace of one second, then off.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const on = await iprobe(['hot', pid, '--fn', '*Command', '--json']);
  expect(on.code, on.stderr).toBe(0);
  const switched = JSON.parse(on.stdout);
  expect(switched.functions).toEqual(expect.arrayContaining(['setCommand', 'getCommand', 'incrCommand', 'lpushCommand']));

  // Deterministic replies while the probes are on.
  const client = await RespClient.connect(port);
  for (let i = 0; i < 500; i++) await client.command('SET', `iprobe:key:${i}`, `value-${i * 7}`);
  for (let i = 0; i < 500; i++) expect(await client.command('GET', `iprobe:key:${i}`)).toBe(`value-${i * 7}`);
  expect(await client.command('INCRBY', 'iprobe:counter', '41')).toBe(41);

  const traceFile = path.join(dir, 'redis-trace.json');
  const trace = await iprobe(['trace', pid, '--fn', '*Command', 'call', 'processCommand', '--duration', '1s', '-o', traceFile, '--json']);
  expect(trace.code, trace.stderr).toBe(0);
  expect(JSON.parse(trace.stdout).spans).toBeGreaterThan(100);
  const events = JSON.parse(readFileSync(traceFile, 'utf8')).traceEvents as { ph: string; name: string }[];
  const names = new Set(events.filter((e) => e.ph === 'B').map((e) => e.name));
  expect(names).toContain('processCommand');
  expect([...names].some((n) => n.endsWith('Command') && n !== 'processCommand')).toBe(true);

  const off = await iprobe(['hot', pid, '--fn', '*Command', '--off']);
  expect(off.code, off.stderr).toBe(0);
  const report = JSON.parse((await iprobe(['report', pid, '--json'])).stdout) as { name: string; calls: number }[];
  expect(report.find((row) => row.name === 'setCommand')!.calls).toBeGreaterThanOrEqual(500);

  const result = await benchmark;
  expect(result.stderr.trim()).toBe('');
  expect(result.code).toBe(0);
  const rows = parseBenchmarkCsv(result.stdout);
  expect(rows.map((r) => r.test)).toEqual(expect.arrayContaining(['SET', 'GET', 'INCR', 'LPUSH']));
  for (let i = 0; i < 500; i++) expect(await client.command('GET', `iprobe:key:${i}`)).toBe(`value-${i * 7}`);
  const errors = String(await client.command('INFO', 'errorstats'));
  expect(errors.trim().split('\n').filter((l) => l.startsWith('errorstat_'))).toEqual([]);
  client.close();
  const listing = JSON.parse((await iprobe(['hot', pid, '--list', '--json'])).stdout) as { functions: { on: number }[] };
  expect(listing.functions.every((f) => f.on === 0)).toBe(true);
});

function runBenchmark(port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', '20', '-n', '60000', '-r', '10000', '-t', 'set,get,incr,lpush,lpop,sadd,hset', '--csv']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitForPong(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const c = await RespClient.connect(port);
      const pong = await c.command('PING');
      c.close();
      if (pong === 'PONG') return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`redis on port ${port} never answered`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
