import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBenchmarkCsv } from '../../src/bench/programs/redis-benchmark-output.js';
import { startRedisServer } from '../../src/bench/programs/redis-server-process.js';
import { parseReply, RespError } from '../../src/bench/programs/resp-client.js';

describe('RESP replies', () => {
  const parse = (text: string) => parseReply(Buffer.from(text), 0);

  it('parses each kind of reply and says where it ends', () => {
    expect(parse('+PONG\r\n')).toEqual({ value: 'PONG', end: 7 });
    expect(parse(':42\r\n')).toEqual({ value: 42, end: 5 });
    expect(parse('$5\r\nhello\r\n')).toEqual({ value: 'hello', end: 11 });
    expect(parse('$-1\r\n')).toEqual({ value: null, end: 5 });
    expect(parse('*2\r\n$1\r\na\r\n:1\r\n')).toEqual({ value: ['a', 1], end: 15 });
    expect(parse('-ERR wrong\r\n')!.value).toEqual(new RespError('ERR wrong'));
  });

  it('waits for the rest of a reply split across reads', () => {
    expect(parse('$5\r\nhel')).toBeUndefined();
    expect(parse('*2\r\n$1\r\na\r\n')).toBeUndefined();
    expect(parse('+PON')).toBeUndefined();
  });
});

describe('redis-benchmark --csv', () => {
  it('reads the rows by column name', () => {
    const rows = parseBenchmarkCsv(
      [
        '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
        '"SET","53191.49","0.635","0.168","0.591","0.943","2.719","4.559"',
        '"MSET (10 keys)","35971.22","1.102","0.168","0.879","2.383","4.591","21.439"',
        '',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { test: 'SET', requestsPerSecond: 53191.49, avgLatencyMs: 0.635, p99LatencyMs: 2.719 },
      { test: 'MSET (10 keys)', requestsPerSecond: 35971.22, avgLatencyMs: 1.102, p99LatencyMs: 4.591 },
    ]);
  });

  it('rejects output without a header or with bad numbers', () => {
    expect(() => parseBenchmarkCsv('SET: 100 requests per second')).toThrow(/no CSV header/);
    expect(() => parseBenchmarkCsv('"test","rps","avg_latency_ms","p99_latency_ms"\n"SET","n/a","1","2"')).toThrow(/bad number/);
  });
});

// Debian's redis-server (test dependencies) stands in for our builds: the
// helper must work with any redis-server binary.
describe('starting and stopping a redis-server', () => {
  it('runs on a free loopback port in its own directory with nothing persisted, and stops cleanly', async () => {
    const servers = await Promise.all([startRedisServer('/usr/bin/redis-server'), startRedisServer('/usr/bin/redis-server')]);
    const [a, b] = servers;
    try {
      expect(a!.port).not.toBe(b!.port);
      const client = await a!.connect();
      try {
        expect(await client.command('SET', 'k', 'v é')).toBe('OK');
        expect(await client.command('GET', 'k')).toBe('v é');
        expect(await client.command('CONFIG', 'GET', 'save')).toEqual(['save', '']);
        expect(await client.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
        await expect(client.command('NOSUCHCOMMAND')).rejects.toThrow(RespError);
        expect(typeof (await client.command('DEBUG', 'DIGEST'))).toBe('string');
      } finally {
        client.close();
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    for (const server of servers) {
      expect(fs.existsSync(server.dir)).toBe(false);
      expect(() => process.kill(server.pid, 0)).toThrow();
    }
    await a!.stop();
  });

  it('reports a binary that exits at once, with its log', async () => {
    await expect(startRedisServer('/bin/false')).rejects.toThrow(/exited \(code 1\) before answering/);
  });
});
