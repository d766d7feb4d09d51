import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { table } from '../status-table.js';
import type { BufferScenario, Draw } from '../window-model/buffer-simulator.js';
import { figure35Overheads, figure35Series, FIGURE_3_5_HORIZON_SECONDS } from '../window-model/figure-3-5.js';
import { sweepOverheads, type SweepRow } from '../window-model/overhead-sweep.js';
import { renderSweepSvg, type SweepSeries } from '../window-model/sweep-figure.js';
import { formatWindow } from '../window-model/window-format.js';
import { parseCount } from '../../util/parse-numbers.js';
import { parseByteSize } from '../../util/parse-size.js';
import { UsageError } from '../../util/user-error.js';
import {
  parseOverheads,
  parsePositive,
  parseRequestSize,
  parseSeconds,
  readSamples,
} from './model-options.js';

interface RawSimulateOptions {
  lambda?: string;
  mu0?: string;
  arrivals: string;
  service: string;
  overheads: string;
  buffer?: string;
  requestSize?: string;
  sizes: string;
  requests?: string;
  connections: string;
  totalBuffer?: string;
  horizon: string;
  replications: string;
  seed: string;
  window?: string;
  svg?: string;
  json?: boolean;
  figure35?: boolean;
}

const EXAMPLES = `
Each run starts with empty buffers and ends at the first overflow (of one
connection's bound or of the total bound) or at --horizon. Runs are seeded:
the same options give the same table.

Examples:
  # M/M/1/K: 10 req/s, replica at 12 req/s uninstrumented, 64 KiB of 100-byte requests, overhead 0..100% by 10%
  parikshan simulate --lambda 10 --mu0 12 --buffer 64KiB --request-size 100 --overheads 0:100:10 --horizon 3600s
  # the seed's Figure 3.5 protocol (64 GB, ρ0 = 0.2, 10% steps, 10^6 s runs), as a table and an SVG
  parikshan simulate --figure-3-5 --replications 10 --svg fig-3-5.svg
  # replayed inter-arrival times and measured service times (seconds, one per line), 8 connections, total bound
  parikshan simulate --arrivals gaps.txt --service services.txt --buffer 4MiB --request-size 1KiB --sizes exponential \\
    --connections 8 --total-buffer 16MiB --overheads 100,200,300 --window 10m
`;

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulate the debug buffers: time to the first overflow per overhead step, with the M/M/1/K model beside it')
    .option('--lambda <req/s>', 'Poisson arrivals per second and connection (with --arrivals poisson)')
    .option('--mu0 <req/s>', "the replica's uninstrumented service rate (with --service exponential)")
    .option('--arrivals <poisson|FILE>', 'Poisson, or inter-arrival seconds replayed from FILE (one per line)', 'poisson')
    .option('--service <exponential|FILE>', 'exponential, or uninstrumented service seconds drawn from FILE', 'exponential')
    .option('--overheads <from:to:step|list>', 'overhead steps in percent (slowdown 1 + o/100)', '0:100:10')
    .option('--buffer <size>', 'per-connection buffer, with --request-size')
    .option('--request-size <bytes|FILE>', 'mean request size in bytes, or sizes drawn from FILE')
    .option('--sizes <fixed|exponential>', 'distribution of request sizes around --request-size', 'fixed')
    .option('--requests <K>', 'the buffer in requests instead of bytes (overflow at level K)')
    .option('--connections <n>', 'connections, each with these arrivals', '1')
    .option('--total-buffer <size>', 'bound on all connections together (needs --buffer)')
    .option('--horizon <duration>', 'simulated time per run', '1000000s')
    .option('--replications <n>', 'runs per overhead step', '200')
    .option('--seed <n>', 'seed of the pseudo-random stream', '1')
    .option('--window <duration>', 'W: adds the column P(T ≤ W)')
    .option('--svg <file>', 'also write the figure as SVG')
    .option('--json', 'print the rows as JSON')
    .option('--figure-3-5', "the seed's Figure 3.5 protocol (ignores the scenario options)")
    .addHelpText('after', EXAMPLES)
    .action(async (raw: RawSimulateOptions) => {
      const replications = parseCount(raw.replications, '--replications');
      const seed = parseCount(raw.seed, '--seed');
      const windowSeconds = raw.window !== undefined ? parseSeconds(raw.window, '--window') : undefined;
      let series: SweepSeries[];
      let subtitle: string[];
      if (raw.figure35) {
        const overheads = raw.overheads === '0:100:10' ? figure35Overheads() : parseOverheads(raw.overheads, '--overheads');
        series = figure35Series().map(({ name, scenario }) => ({ name, rows: sweepOverheads(scenario, { overheadsPercent: overheads, replications, seed, windowSeconds }) }));
        subtitle = [`64 GB buffer, ρ0 = 0.2, runs of ${FIGURE_3_5_HORIZON_SECONDS} s, ${replications} runs per step, seed ${seed}; dashed: M/M/1/K E[T_K]`];
      } else {
        const scenario = parseScenario(raw);
        series = [{ name: 'simulated', rows: sweepOverheads(scenario, { overheadsPercent: parseOverheads(raw.overheads, '--overheads'), replications, seed, windowSeconds }) }];
        subtitle = [`${scenario.connections} connection(s), ${replications} runs per step, horizon ${formatWindow(scenario.horizonSeconds)}, seed ${seed}; dashed: M/M/1/K E[T_K]`];
      }
      if (raw.svg) writeFileSync(raw.svg, await renderSweepSvg('Time to the first buffer overflow per overhead step', subtitle, series));
      process.stdout.write(raw.json ? `${JSON.stringify(series, jsonNumbers, 2)}\n` : formatSweep(series, windowSeconds));
    });
}

function parseScenario(raw: RawSimulateOptions): BufferScenario {
  const interArrival: Draw =
    raw.arrivals === 'poisson'
      ? { kind: 'exponential', mean: 1 / required(raw.lambda, '--lambda', 'Poisson arrivals need --lambda') }
      : { kind: 'samples', values: readSamples(raw.arrivals, '--arrivals'), order: 'replay' };
  if (raw.arrivals !== 'poisson' && raw.lambda !== undefined) throw new UsageError('--lambda goes with --arrivals poisson, not a file');
  const service: Draw =
    raw.service === 'exponential'
      ? { kind: 'exponential', mean: 1 / required(raw.mu0, '--mu0', 'exponential service needs --mu0') }
      : { kind: 'samples', values: readSamples(raw.service, '--service'), order: 'resample' };
  if (raw.service !== 'exponential' && raw.mu0 !== undefined) throw new UsageError('--mu0 goes with --service exponential, not a file');
  const connections = parseCount(raw.connections, '--connections');
  if (connections > 256) throw new UsageError('--connections: at most 256');
  let connectionCapacity: number;
  let requestSize: Draw | undefined;
  if (raw.requests !== undefined) {
    if (raw.buffer !== undefined || raw.totalBuffer !== undefined) throw new UsageError('--requests counts requests: give it without --buffer and --total-buffer');
    connectionCapacity = parseCount(raw.requests, '--requests') - 1;
  } else {
    if (raw.buffer === undefined || raw.requestSize === undefined) throw new UsageError('the buffer is missing', 'give --buffer SIZE with --request-size, or --requests K');
    connectionCapacity = parseByteSize(raw.buffer, '--buffer');
    requestSize = parseSizeDraw(raw.requestSize, raw.sizes);
  }
  const totalCapacity = raw.totalBuffer !== undefined ? parseByteSize(raw.totalBuffer, '--total-buffer') : Infinity;
  return {
    connections,
    interArrival,
    service,
    slowdown: 1,
    requestSize,
    connectionCapacity,
    totalCapacity,
    horizonSeconds: parseSeconds(raw.horizon, '--horizon'),
  };
}

function parseSizeDraw(text: string, distribution: string): Draw {
  if (!/^\s*\d/.test(text)) return { kind: 'samples', values: readSamples(text, '--request-size'), order: 'resample' };
  const mean = parseRequestSize(text, '--request-size');
  if (distribution === 'fixed') return { kind: 'fixed', value: mean };
  if (distribution === 'exponential') return { kind: 'exponential', mean };
  throw new UsageError(`--sizes: expected fixed or exponential, got '${distribution}'`);
}

function required(text: string | undefined, option: string, hint: string): number {
  if (text === undefined) throw new UsageError(`${option} is required`, hint);
  return parsePositive(text, option);
}

function formatSweep(series: SweepSeries[], windowSeconds: number | undefined): string {
  const header = ['series', 'overhead', 'slowdown', 'overflowed', 'mean ± 95% CI', 'p10', 'p50', 'p90', 'model E[T_K]'];
  if (windowSeconds !== undefined) header.push(`P(T ≤ ${formatWindow(windowSeconds)})`);
  const rows = series.flatMap(({ name, rows }) => rows.map((row) => formatRow(name, row, windowSeconds)));
  return `${table(header, rows)}\n`;
}

function formatRow(name: string, row: SweepRow, windowSeconds: number | undefined): string[] {
  const s = row.simulated;
  const mean = s.overflowed === 0 ? 'none in horizon' : `${s.censored ? '≥ ' : ''}${formatWindow(s.mean)} ± ${formatWindow(s.ciHalfWidth)}`;
  const cells = [
    name,
    `${row.overheadPercent}%`,
    `${row.slowdown.toFixed(2)}×`,
    `${s.overflowed}/${s.replications}`,
    mean,
    formatWindow(s.p10),
    formatWindow(s.p50),
    formatWindow(s.p90),
    formatWindow(row.model),
  ];
  if (windowSeconds !== undefined) cells.push(`${((s.riskWithinWindow ?? 0) * 100).toFixed(1)}%`);
  return cells;
}

/** JSON has no Infinity: a window longer than the run is null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
