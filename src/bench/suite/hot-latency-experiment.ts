/**
 * Whole-command latency of `iprobe hot`, as an operator waits for it: the
 * CLI run as a process (node's start-up, module loading, the addon, the
 * probe list, identifying the mapped objects, the stop), on a target of
 * about memcached's size, next to an idle target and next to one whose busy
 * threads saturate every core. node's own start-up is measured alone too.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldpatch } from '../../coldpatch/coldpatch.js';
import { median } from '../programs/compare-runs.js';
import { runCommand } from '../programs/run-command.js';
import type { BenchContext, Experiment, ExperimentOutput } from './experiment.js';
import { formatMeasure, markdownTable } from './markdown-table.js';

/** memcached 1.6 has about 700 functions and 200 kB of code; this target has as many of both. */
const FUNCTIONS = 1000;
/** Busy threads of the loaded target: twice the cores, so the target alone saturates them. */
const busyThreads = () => Math.max(2, 2 * os.availableParallelism());
const TARGETS = { idleWallMs: 300, idleCpuMs: 200, loadedWallMs: 1500 } as const;
const SELECTION = 'work_00*'; // 100 functions, 200 sites
/** The unit of /proc times: sysconf(_SC_CLK_TCK), 100 on x86-64 Linux. */
const USER_HZ = 100;

const iprobeCli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'iprobe.js');

export interface LatencyRow {
  case: string;
  runs: number;
  wallMs: number[];
  cpuMs: number[];
  medianWallMs: number;
  maxWallMs: number;
  medianCpuMs: number;
  target?: string;
  met?: boolean;
}

export const hotLatencyExperiment: Experiment = {
  id: 'hot-latency',
  title: 'Whole-command latency of iprobe hot, idle and under load',
  run: runHotLatency,
};

async function runHotLatency(ctx: BenchContext): Promise<ExperimentOutput> {
  const runs = ctx.quick ? 3 : 15;
  ctx.progress(`building a ${FUNCTIONS}-function target and coldpatching it`);
  const binary = await buildTarget(ctx.workDir);
  const rows: LatencyRow[] = [];

  ctx.progress('node -e 0');
  rows.push(row('node -e 0 (node start-up alone)', await repeat(runs, () => timedCommand(process.execPath, ['-e', '0']))));

  const idle = await LatencyTarget.start(binary, 0);
  try {
    ctx.progress('idle target: first call (injects the runtime)');
    rows.push(row('idle target, first call (injects the runtime)', [await timedHot(idle.pid, true)]));
    ctx.progress(`idle target: ${runs} switches`);
    const switches = await repeat(runs, (i) => timedHot(idle.pid, i % 2 === 1));
    rows.push(row('idle target, switch on/off', switches, { wallMs: TARGETS.idleWallMs, cpuMs: TARGETS.idleCpuMs }));
  } finally {
    idle.stop();
  }

  const busy = busyThreads();
  const loaded = await LatencyTarget.start(binary, busy);
  try {
    ctx.progress(`target with ${busy} busy threads: ${runs} switches`);
    await timedHot(loaded.pid, true); // injects; measured idle above
    const switches = await repeat(runs, (i) => timedHot(loaded.pid, i % 2 === 1));
    rows.push(row(`target with ${busy} busy threads on ${os.availableParallelism()} cores, switch on/off`, switches, { wallMs: TARGETS.loadedWallMs }));
  } finally {
    loaded.stop();
  }
  return { markdown: latencyMarkdown(rows, runs), data: { functions: FUNCTIONS, selection: SELECTION, rows } };
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function repeat(runs: number, once: (i: number) => Promise<Timing>): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) timings.push(await once(i));
  return timings;
}

function timedHot(pid: number, on: boolean): Promise<Timing> {
  return timedCommand(process.execPath, [iprobeCli, 'hot', String(pid), '--fn', SELECTION, ...(on ? [] : ['--off'])]);
}

/**
 * Wall time from spawn to exit, and the CPU time (user + system) of the
 * command: a shell runs it and reports its children's times from
 * /proc/self/stat (cutime, cstime), so node's start-up is counted.
 */
async function timedCommand(file: string, args: readonly string[]): Promise<Timing> {
  const script = '"$@" >/dev/null; code=$?; read -r stat < /proc/$$/stat; echo "${stat#*) }" >&2; exit $code';
  const started = performance.now();
  const { stderr } = await runCommand('sh', ['-c', script, 'sh', file, ...args]);
  const wallMs = performance.now() - started;
  const fields = stderr.trimEnd().split('\n').pop()!.split(' ');
  // After "pid (comm) ", state is field 0; cutime and cstime (proc(5) fields 16 and 17) are 13 and 14.
  const ticks = Number(fields[13]) + Number(fields[14]);
  return { wallMs, cpuMs: (ticks * 1000) / USER_HZ };
}

function row(name: string, timings: readonly Timing[], target?: { wallMs: number; cpuMs?: number }): LatencyRow {
  const wallMs = timings.map((t) => t.wallMs);
  const cpuMs = timings.map((t) => t.cpuMs);
  const r: LatencyRow = {
    case: name,
    runs: timings.length,
    wallMs,
    cpuMs,
    medianWallMs: median(wallMs),
    maxWallMs: Math.max(...wallMs),
    medianCpuMs: median(cpuMs),
  };
  if (target) {
    r.target = `≤ ${target.wallMs} ms wall${target.cpuMs ? `, ≤ ${target.cpuMs} ms CPU` : ''}`;
    r.met = r.medianWallMs <= target.wallMs && (target.cpuMs === undefined || r.medianCpuMs <= target.cpuMs);
  }
  return r;
}

function latencyMarkdown(rows: readonly LatencyRow[], runs: number): string {
  const table = markdownTable(
    ['case', 'runs', 'wall median ms', 'wall max ms', 'CPU median ms', 'target', 'met (median)'],
    rows.map((r) => [r.case, r.runs, formatMeasure(r.medianWallMs), formatMeasure(r.maxWallMs), formatMeasure(r.medianCpuMs), r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'no']),
  );
  return [
    `\`iprobe hot PID --fn '${SELECTION}'\` (200 sites), run as a process ${runs} times per case, alternately on and off, against a coldpatched ` +
      `program of ${FUNCTIONS} instrumented functions (memcached's size) started without the runtime. Wall time is spawn to exit; CPU time is ` +
      "the command's user + system time, node's start-up included (10 ms resolution). The idle target calls one function a millisecond; " +
      'the loaded one runs busy threads calling them without pause. A busy machine adds its own wait to every wall time: see the load average.',
    '',
    table,
  ].join('\n');
}

/** The target: `latency-target BUSY` prints "ready" and runs until its stdin closes. */
class LatencyTarget {
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(binary: string, busy: number): Promise<LatencyTarget> {
    const child = spawn(binary, [String(busy)], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`latency target exited (${code}) before it was ready`)));
    });
    return new LatencyTarget(child);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

function targetSource(functions: number): string {
  const name = (i: number) => `work_${String(i).padStart(5, '0')}`;
  const lines = ['#include <pthread.h>', '#include <stdio.h>', '#include <stdlib.h>', '#include <unistd.h>', '#define NOT_TRACED __attribute__((no_instrument_function))'];
  // Bodies of a few dozen instructions, so the code is about memcached's size.
  for (let i = 0; i < functions; i++) {
    lines.push(
      `__attribute__((noinline)) long ${name(i)}(long x) { long s = x; for (int k = 0; k < (int)(x & 7); k++) { s = s * 31 + ${i} + k; if (s & 1) s ^= ${i * 7}; else s += x >> 3; } return s; }`,
    );
  }
  lines.push(
    `static long (*const table[${functions}])(long) = { ${Array.from({ length: functions }, (_, i) => name(i)).join(', ')} };`,
    'NOT_TRACED static void *busy(void *arg) { long x = (long)arg; for (unsigned long i = 0;; i++) x = table[i % ' + functions + '](x); return 0; }',
    'NOT_TRACED static void *idle(void *arg) { long x = (long)arg; for (unsigned long i = 0;; i++) { x = table[i % ' + functions + '](x); usleep(1000); } return 0; }',
    'NOT_TRACED int main(int argc, char **argv) {',
    '  int n = argc > 1 ? atoi(argv[1]) : 0;',
    '  pthread_t t;',
    '  for (int i = 0; i < n; i++) pthread_create(&t, NULL, busy, (void *)(long)i);',
    '  if (n == 0) pthread_create(&t, NULL, idle, NULL);',
    '  puts("ready");',
    '  fflush(stdout);',
    '  char line[16];',
    '  while (fgets(line, sizeof line, stdin)) {}',
    '  return 0;',
    '}',
    '',
  );
  return lines.join('\n');
}

async function buildTarget(dir: string): Promise<string> {
  const source = path.join(dir, 'latency-target.c');
  const instrumented = path.join(dir, 'latency-target');
  const coldpatched = path.join(dir, 'latency-target.coldpatched');
  writeFileSync(source, targetSource(FUNCTIONS));
  await runCommand('gcc', ['-O2', '-pthread', '-finstrument-functions', '-o', instrumented, source]);
  await coldpatch({ input: instrumented, output: coldpatched });
  return coldpatched;
}
