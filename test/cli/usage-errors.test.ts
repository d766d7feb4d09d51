/**
 * Usage errors of both CLIs: a bad option value, a missing or extra argument,
 * options that do not go together. Each one exits 2 with one line on stderr
 * naming what is wrong, prints nothing on stdout, and touches nothing: the
 * pid given is a `sleep` of ours, which must come out neither stopped nor
 * traced and without an iprobe runtime segment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runProgram } from '../support/iprobe-cli.js';
import { IPROBE_CLI, PROJECT_ROOT } from '../support/paths.js';

const PARIKSHAN_CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'parikshan.js');
const PID = '{pid}';

let bystander: ChildProcess;
const pid = () => String(bystander.pid);

beforeAll(() => {
  bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
});
afterAll(() => {
  bystander.kill();
});

function run(cli: 'iprobe' | 'parikshan', args: string[]) {
  const file = cli === 'iprobe' ? IPROBE_CLI : PARIKSHAN_CLI;
  return runProgram(process.execPath, [file, ...args.map((a) => a.replace(PID, pid()))]);
}

/** The bystander as the kernel sees it: not stopped, not traced, no runtime segment. */
function expectUntouched(): void {
  const status = readFileSync(`/proc/${pid()}/status`, 'utf8');
  expect(status).toMatch(/^TracerPid:\s+0$/m);
  expect(status).not.toMatch(/^State:\s+[tT]/m);
  expect(existsSync(`/dev/shm/iprobe.${pid()}`)).toBe(false);
}

const DUPLICATE = ['duplicate', '--listen', '127.0.0.1:0', '--production', '1', '--debug', '2', '--metrics', '127.0.0.1:0'];
const AGGREGATE = ['aggregate', '--production-listen', '0', '--debug-listen', '0', '--upstream', '1', '--metrics', '127.0.0.1:0'];
const MODEL = ['model', '--lambda', '17', '--mu', '9'];
const SIMULATE = ['simulate', '--lambda', '10', '--mu0', '12', '--requests', '10', '--replications', '2', '--horizon', '10s'];

const IPROBE_CASES: [args: string[], message: RegExp][] = [
  // fperf: every flag is checked before PAPI, the kernel's counters or the process are touched
  [['fperf', PID, '--budget', 'abc'], /^iprobe: --budget: not a budget: 'abc' \(use a percentage/],
  [['fperf', PID, '--budget', '150%'], /--budget: not a budget: '150%'/],
  [['fperf', '--limit', 'abc'], /^iprobe: --limit: not a count: 'abc' \(use a whole number/],
  [['fperf', PID, '--limit', '0'], /--limit: not a count: '0'/],
  [['fperf', PID, '--interval', 'soon'], /--interval: not a duration: 'soon' \(use e\.g\. 500ms, 10s, 5m\)/],
  [['fperf', PID, '--duration', '0'], /--duration: must be longer than 0/],
  [['fperf', PID, '--duration', '10 parsecs'], /--duration: not a duration: '10 parsecs'/],
  [['fperf', PID, '--watch-timeout', '1s'], /--watch-timeout goes with --when/],
  [['fperf', PID, '--when', 'latency>2ms'], /--when 'latency>2ms': latency and calls need fn=NAME/],
  [['fperf', PID, '--counters', 'pmu'], /--counters: 'pmu' is not a counter backend/],
  [['fperf', '0'], /^iprobe: not a process id: '0'/],
  [['fperf'], /say what to profile/],
  [['fperf', '--list-events', PID], /--list-events takes no target/],
  [['fperf', '--list-events', '--check-events'], /cannot be combined/],
  [['fperf', '--list-events', '--budget', 'abc'], /--budget: not a budget: 'abc'/],
  [['fperf', '--check-events', '--when', 'x'], /--when 'x': cannot read 'x'/],
  [['fperf', PID, '--all'], /--all only applies to --list-events/],
  // hot
  [['hot', PID, '--limit', '3'], /^iprobe: unknown option '--limit' \(Did you mean --list\?\)\n$/],
  [['hot', PID, '--limit'], /unknown option '--limit'/],
  [['hot', 'abc', '--all'], /^iprobe: not a process id: 'abc'/],
  [['hot', '-5', '--all'], /not a process id: '-5'/],
  [['hot', PID], /say which probes: --fn GLOB… or --all/],
  [['hot', PID, '--all', '--detach-runtime'], /--detach-runtime goes with --off/],
  [['hot', PID, '--all', '--entry-only', '--exit-only'], /option '--entry-only' cannot be used with option '--exit-only'/],
  [['hot', PID, '--list', '--off'], /--list changes nothing: give it without --off/],
  [['hot'], /missing required argument 'pid'/],
  // trace
  [['trace', '--duration', 'xyz'], /^iprobe: --duration: not a duration: 'xyz' \(use e\.g\. 500ms, 10s, 5m\)\n$/],
  [['trace', PID, '--duration', 'xyz'], /--duration: not a duration: 'xyz'/],
  [['trace', PID, '--duration', '0s'], /--duration: must be longer than 0/],
  [['trace', PID, '--max-events', '1.5'], /--max-events: not a count: '1\.5'/],
  [['trace', PID, 'extra'], /too many arguments for 'trace'/],
  [['trace', '12x'], /not a process id: '12x'/],
  // report, runtime, run
  [['report', PID, '--limit', 'abc'], /--limit: not a count: 'abc'/],
  [['report', PID, '--sort', 'name'], /--sort: not a sort key: 'name' \(use calls, total or self\)/],
  [['report', PID, '--folded'], /--folded needs call stacks/],
  [['runtime', 'abc'], /not a process id: 'abc'/],
  [['runtime', PID, '--limit', 'all'], /--limit: not a count: 'all'/],
  [['runtime', PID, '--mode', 'fast'], /--mode: unknown mode 'fast' \(use one of: off, count, trace, calls\)/],
  [['run', '--mode', 'fast', '--', 'true'], /--mode: unknown mode 'fast'/],
  [['run'], /missing required argument 'command'/],
  // coldpatch, probes, bench, the program itself
  [['coldpatch'], /missing required argument 'binary'/],
  [['coldpatch', 'a', 'b'], /too many arguments for 'coldpatch'/],
  [['probes', 'x', '--frob'], /unknown option '--frob'/],
  [['bench', '--only', 'nope'], /unknown experiment 'nope'/],
  [['bench', '--counters', 'pmu'], /--counters: 'pmu' is not a counter backend/],
  [['bogus'], /^iprobe: unknown command 'bogus'\n$/],
  [['--frob'], /unknown option '--frob'/],
];

const PARIKSHAN_CASES: [args: string[], message: RegExp][] = [
  [[...DUPLICATE, '--buffer', '4XB'], /^parikshan: --buffer: not a size: '4XB' \(use e\.g\. 4MiB/],
  [[...DUPLICATE, '--total-buffer', '0'], /--total-buffer: size out of range: '0'/],
  [[...DUPLICATE, '--buffer', '1GiB'], /--buffer \(1GiB\) is larger than --total-buffer \(256MiB\)/],
  [[...DUPLICATE, '--exchange-timeout', 'soon'], /--exchange-timeout: not a duration: 'soon' \(use e\.g\. 500ms, 10s, 5m\)/],
  [[...DUPLICATE, '--required-window', '0'], /--required-window: must be longer than 0/],
  [[...DUPLICATE, '--drain-timeout', '-1s'], /--drain-timeout: not a duration: '-1s'/],
  [[...DUPLICATE, '--ignore', '(['], /--ignore: bad regular expression/],
  [[...DUPLICATE, '--log-level', 'loud'], /^parikshan: --log-level: invalid value 'loud' \(allowed choices are /],
  [['duplicate', '--listen', '0', '--production', 'nowhere', '--debug', '2'], /--production: bad address 'nowhere'/],
  [['duplicate', '--listen', '0', '--production', '1'], /required option '--debug <host:port>' not specified/],
  [[...AGGREGATE, '--upstream', 'postgres://db:5432'], /--upstream: bad address 'postgres:\/\/db:5432': an address, not a URL/],
  [['status', '--admin', 'http://127.0.0.1:9464'], /--admin: bad address 'http:\/\/127\.0\.0\.1:9464': an address, not a URL/],
  [['status', '--admin', 'a b:80'], /--admin: bad address 'a b:80': not a host name or IP address/],
  [['status', '--admin', '127.0.0.1:99999'], /--admin: bad address '127\.0\.0\.1:99999': port out of range/],
  [['status', '--admin', '127.0.0.1:0'], /port 0 is only meaningful for listening/],
  [['status', '--admin'], /option '--admin <host:port>' argument missing/],
  [['status', '--frobnicate'], /unknown option '--frobnicate'/],
  [['reset', '--admin', 'nowhere'], /--admin: bad address 'nowhere'/],
  [['model', '--lambda', 'abc', '--mu', '9', '--requests', '5'], /^parikshan: --lambda: not a positive number: 'abc'/],
  [['model', '--mu', '9', '--requests', '5'], /--lambda is required/],
  [[...MODEL, '--requests', '1.5'], /--requests: not a count: '1\.5'/],
  [[...MODEL, '--buffer', '4XB', '--request-size', '19.6'], /--buffer: not a size: '4XB'/],
  [[...MODEL, '--requests', '5', '--window', 'soon'], /--window: not a duration: 'soon'/],
  [[...MODEL, '--requests', '5', '--risk', '--replications', 'abc'], /--replications: not a count: 'abc'/],
  [[...MODEL, '--requests', '5', '--slowdown', '2'], /--slowdown goes with --mu0, not --mu/],
  [[...SIMULATE, '--seed', '-1'], /--seed: not a count: '-1'/],
  [[...SIMULATE, '--horizon', '0'], /--horizon: must be longer than 0/],
  [[...SIMULATE, '--overheads', '5:1:1'], /--overheads: bad range '5:1:1'/],
  [[...SIMULATE, '--connections', '1000'], /--connections: at most 256/],
  [['bogus'], /^parikshan: unknown command 'bogus'\n$/],
];

describe.concurrent('usage errors exit 2, in one line, and touch nothing', () => {
  test.each(IPROBE_CASES)('iprobe %j', async (args, message) => {
    const r = await run('iprobe', args);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^iprobe: .*\n$/);
    expect(r.stderr).toMatch(message);
    expect(r.code, r.stderr).toBe(2);
    expectUntouched();
  });

  test.each(PARIKSHAN_CASES)('parikshan %j', async (args, message) => {
    const r = await run('parikshan', args);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^parikshan: .*\n$/);
    expect(r.stderr).toMatch(message);
    expect(r.code, r.stderr).toBe(2);
  });
});

describe.concurrent('what is not a usage error', () => {
  test.each([
    ['iprobe', ['--help']],
    ['iprobe', ['--version']],
    ['iprobe', ['hot', '--help']],
    ['iprobe', ['fperf', '--help']],
    ['iprobe', ['help', 'trace']],
    ['parikshan', ['--help']],
    ['parikshan', ['--version']],
    ['parikshan', ['model', '--help']],
  ] as const)('%s %j exits 0', async (cli, args) => {
    const r = await run(cli, [...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toBe('');
  });

  test('an error about the target or the machine still exits 1', async () => {
    const missing = await run('iprobe', ['probes', '/nonexistent/server']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^iprobe: .*\/nonexistent\/server/);
    const refused = await run('parikshan', ['status', '--admin', '127.0.0.1:7']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^parikshan: no parikshan admin endpoint at 127\.0\.0\.1:7/);
  });

  test('an output file that cannot be written is refused before the process is touched (exit 1)', async () => {
    for (const command of ['trace', 'fperf']) {
      const r = await run('iprobe', [command, PID, '-o', '/nonexistent/out.json']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('iprobe: --output: cannot write /nonexistent/out.json: no such file or directory\n');
      expectUntouched();
    }
  });

  test('no command at all: the help, on stderr, exit 2', async () => {
    for (const cli of ['iprobe', 'parikshan'] as const) {
      const r = await run(cli, []);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^Usage: ${cli} `));
    }
  });
});
