import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../../util/user-error.js';
import { runLogged } from '../build-log.js';
import type { Program } from '../program.js';
import { parseBenchmarkCsv } from '../redis-benchmark-output.js';
import { startRedisServer } from '../redis-server-process.js';
import type { RespClient } from '../resp-client.js';
import { onPath } from '../run-command.js';
import { timedRun } from '../timed-run.js';

/** redis-benchmark -t: every core data type, reads and writes, and the two multi-key commands. */
const TESTS = ['set', 'get', 'incr', 'lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'zpopmin', 'lrange_100', 'mset'];
/** lrange_100 first fills its list with an extra LPUSH test. */
const EXPECTED_ROWS = TESTS.length + 1;
/** Commands we send ourselves, or redis-benchmark sends once to learn the config: not the load. */
const NOT_LOAD = new Set(['ping', 'info', 'config|get']);

/**
 * redis-server 7.0.15 built by its own Makefile, with MALLOC=libc. The
 * bundled jemalloc would add a slow configure run to every build, and its own
 * code would then be instrumented (or not) with the variant: with glibc's
 * malloc, every instrumented function is Redis's own (and its bundled hiredis,
 * lua, linenoise and hdr_histogram, which get the variant's CFLAGS too).
 *
 * The load generator is Debian's redis-benchmark (redis-tools, the same
 * version), never one of our builds, so every variant of the server faces the
 * same client.
 */
export const redis: Program = {
  name: 'redis',
  sourcePackage: 'redis',
  summary: `redis-server under redis-benchmark: 50 clients, ${TESTS.length} tests, random keys (quick 5000, full 20000 requests per test)`,
  binaries: ['redis-server'],
  recipeRevision: 1,

  async build({ source, variant, flags, workDir, outDir, logFile }) {
    // Redis builds in its source tree, which the cache shares: build in a copy.
    const tree = path.join(workDir, 'redis');
    await runLogged(logFile, 'cp', ['-a', source.dir, tree]);
    await runLogged(
      logFile,
      'make',
      [
        '-C',
        path.join(tree, 'src'),
        `-j${os.availableParallelism()}`,
        'redis-server',
        'MALLOC=libc',
        'BUILD_TLS=no',
        'USE_SYSTEMD=no',
        // Full compiler command lines in build.log, to check what each variant really got.
        'V=1',
        `OPTIMIZATION=-${variant.optimization}`,
      ],
      // In the environment, not on the command line: src/Makefile appends to
      // CFLAGS and exports both to the dependencies' makefiles.
      { env: { ...process.env, CFLAGS: flags.cflags.join(' '), LDFLAGS: flags.ldflags.join(' ') } },
    );
    await runLogged(logFile, 'cp', [path.join(tree, 'src', 'redis-server'), path.join(outDir, 'redis-server')]);
  },

  async run(binaries, { size, workDir }) {
    if (!(await onPath('redis-benchmark'))) {
      throw new UserError('redis-benchmark is missing (Debian package redis-tools)', 'bash scripts/system-deps.sh programs');
    }
    const requests = size === 'quick' ? 5000 : 20000;
    const server = await startRedisServer(binaries['redis-server']!, { dir: workDir && path.join(workDir, 'redis') });
    try {
      const args = ['-h', '127.0.0.1', '-p', String(server.port), '-c', '50', '-n', String(requests), '-r', '100000'];
      const run = await timedRun('redis-benchmark', [...args, '--csv', '-t', TESTS.join(',')]);
      const rows = parseBenchmarkCsv(run.stdout);
      if (rows.length !== EXPECTED_ROWS || run.stderr.trim()) {
        throw new Error(`redis-benchmark ran ${rows.length} of ${EXPECTED_ROWS} tests: ${run.stderr.trim() || run.stdout}`);
      }
      const client = await server.connect();
      try {
        await checkNoErrors(client);
        // Keys are random (redis-benchmark seeds from the clock), so the data
        // set differs between runs; how many times each command ran does not.
        const calls = await commandCalls(client);
        const digest = createHash('sha256');
        for (const row of rows) digest.update(`test ${row.test}\n`);
        for (const [command, count] of calls) digest.update(`${command} ${count}\n`);
        const details: Record<string, number> = { 'requests per test': requests };
        for (const row of rows) details[`${row.test} rps`] = row.requestsPerSecond;
        return { seconds: run.seconds, outputDigest: digest.digest('hex'), details };
      } finally {
        client.close();
      }
    } finally {
      await server.stop();
    }
  },
};

async function checkNoErrors(client: RespClient): Promise<void> {
  const stats = infoFields(String(await client.command('INFO', 'stats')));
  for (const field of ['total_error_replies', 'rejected_connections']) {
    if (stats.get(field) !== '0') throw new Error(`redis-server reports ${field}:${stats.get(field)} after the benchmark`);
  }
}

/** Calls per command from INFO commandstats, sorted, without our own bookkeeping commands. */
async function commandCalls(client: RespClient): Promise<[string, number][]> {
  const calls: [string, number][] = [];
  for (const [key, value] of infoFields(String(await client.command('INFO', 'commandstats')))) {
    const command = key.replace(/^cmdstat_/, '');
    if (NOT_LOAD.has(command)) continue;
    // calls=20000,usec=8314,usec_per_call=0.42,rejected_calls=0,failed_calls=0
    const counters = new Map(value.split(',').map((pair) => pair.split('=') as [string, string]));
    if (counters.get('rejected_calls') !== '0' || counters.get('failed_calls') !== '0') {
      throw new Error(`redis-server reports failed or rejected ${command} calls: ${value}`);
    }
    calls.push([command, Number(counters.get('calls'))]);
  }
  return calls.sort(([a], [b]) => a.localeCompare(b));
}

function infoFields(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
