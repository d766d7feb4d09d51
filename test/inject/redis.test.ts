/**
 * The coldpatched redis-server (Debian's redis 7.0.15, O2 + instrumented,
 * src/bench/programs), started plainly, serving clients that check every
 * reply: the CLI injects the runtime, switches all 16,000 probes on, traces,
 * switches them off and detaches, three times, without one wrong reply.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import type { RedisServer } from '../../src/bench/programs/redis-server-process.js';
import { startRedisServer } from '../../src/bench/programs/redis-server-process.js';
import { instrumentedVariant } from '../../src/bench/programs/variant.js';
import { coldpatch } from '../../src/coldpatch/coldpatch.js';
import { iprobe } from '../support/iprobe-cli.js';
import { scratch } from './plain-target.js';

interface Load {
  stop(): Promise<{ operations: number; wrong: string[] }>;
}

/** `clients` connections, each writing its own keys and reading them back, and sharing one counter. */
async function startLoad(server: RedisServer, clients: number): Promise<Load> {
  let running = true;
  const wrong: string[] = [];
  let operations = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const client = await server.connect();
    try {
      let lastCount = 0;
      for (let i = 0; running; i++) {
        const key = `k:${c}:${i % 500}`;
        const value = `v:${c}:${i}:${'x'.repeat(i % 64)}`;
        if ((await client.command('SET', key, value)) !== 'OK') wrong.push(`SET ${key}`);
        const read = await client.command('GET', key);
        if (read !== value) wrong.push(`GET ${key}: ${String(read)}`);
        const count = Number(await client.command('INCR', 'shared-counter'));
        if (!(count > lastCount)) wrong.push(`INCR went from ${lastCount} to ${count}`);
        lastCount = count;
        operations += 3;
      }
    } finally {
      client.close();
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { operations, wrong };
    },
  };
}

describe('redis-server, coldpatched and started without the runtime', () => {
  let server: RedisServer;
  let pid: number;

  beforeAll(async () => {
    const built = await buildProgram('redis', instrumentedVariant);
    const binary = path.join(scratch, 'redis-server');
    await coldpatch({ input: built.binaries['redis-server']!, output: binary, probes: `${binary}.probes.json` });
    server = await startRedisServer(binary);
    pid = server.pid;
  });
  afterAll(() => server?.stop());

  it('serves every request correctly through injection, tracing and detach, three times', async () => {
    const load = await startLoad(server, 4);
    for (let round = 0; round < 3; round++) {
      const on = await iprobe(['hot', String(pid), '--all']);
      expect(on.stderr).toBe('');
      expect(on.code).toBe(0);
      expect(on.stdout).toMatch(round === 0 ? /runtime injected now: dlopen\(.*libiprobe_runtime\.so\)/ : /runtime injected earlier/);
      expect(on.stdout).toMatch(/hook slots \(GOT\) pointed at the injected runtime/);

      const traceFile = path.join(scratch, `redis-${round}.json`);
      const trace = await iprobe(['trace', String(pid), '--fn', 'dict*', 'lookupKey*', '--duration', '300ms', '-o', traceFile, '--json']);
      expect(trace.code).toBe(0);
      const summary = JSON.parse(trace.stdout) as { events: number; runtime: string };
      expect(summary.runtime).toBe('injected');
      expect(summary.events).toBeGreaterThan(0);
      expect((JSON.parse(readFileSync(traceFile, 'utf8')) as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(0);

      const off = await iprobe(['hot', String(pid), '--all', '--off', '--detach-runtime']);
      expect(off.code).toBe(0);
      expect(off.stdout).toMatch(/hook slots \(GOT\) put back as before the injection/);
      const list = JSON.parse((await iprobe(['hot', String(pid), '--list', '--json'])).stdout) as {
        runtimeOrigin: string;
        redirectedSlots: number;
        functions: { on: number }[];
      };
      expect(list.runtimeOrigin).toBe('injected');
      expect(list.redirectedSlots).toBe(0);
      expect(list.functions.every((f) => f.on === 0)).toBe(true);
    }
    const { operations, wrong } = await load.stop();
    expect(wrong).toEqual([]);
    expect(operations).toBeGreaterThan(300);
    const client = await server.connect();
    try {
      expect(await client.command('PING')).toBe('PONG');
      expect(Number(await client.command('GET', 'shared-counter'))).toBe(operations / 3);
    } finally {
      client.close();
    }
  });
});
