import type { Command } from 'commander';
import { formatByteSize } from '../byte-size.js';
import { table } from '../status-table.js';
import { simulateHittingTimes } from '../window-model/buffer-simulator.js';
import { capacityInRequests, evaluateModel, type ModelReport } from '../window-model/debug-window-model.js';
import { summarizeHittingTimes } from '../window-model/hitting-time-summary.js';
import { RandomStream } from '../window-model/random-stream.js';
import { formatRate, formatSlowdown, formatWindow } from '../window-model/window-format.js';
import { parseCount } from '../../util/parse-numbers.js';
import { parseByteSize } from '../../util/parse-size.js';
import { UsageError } from '../../util/user-error.js';
import { parsePositive, parseRequestSize, parseSeconds } from './model-options.js';

interface RawModelOptions {
  lambda?: string;
  mu?: string;
  mu0?: string;
  slowdown?: string;
  buffer?: string;
  requestSize?: string;
  requests?: string;
  window: string;
  risk?: boolean;
  replications: string;
  seed: string;
  json?: boolean;
}

interface RiskEstimate {
  /** Fraction of simulated runs whose buffer overflowed within W. */
  probability: number;
  replications: number;
  seed: number;
}

const EXAMPLES = `
The model: Poisson arrivals at λ on one connection, exponential service at
μ = μ0/f by the replica, a buffer of K requests; the window is the expected
time for the buffer to fill from empty (docs/parikshan.md, "Debug-window model").

Examples:
  # Table 3.1's Poisson row: 17 req/s, a 4 KiB pipe of 19.6-byte requests, replica 8x slower than 27 req/s
  parikshan model --lambda 17 --mu0 27 --slowdown 8 --buffer 4KiB --request-size 19.6
  # how much slowdown can a replica serving 500 req/s take, for a 10-minute window behind a 1 MiB buffer?
  parikshan model --lambda 100 --mu0 500 --buffer 1MiB --request-size 1KiB --window 10m
  # K given in requests, with the risk P(T <= W) from 1,000 simulated runs
  parikshan model --lambda 10 --mu 9 --requests 500 --window 60s --risk --replications 1000 --json
`;

export function registerModel(program: Command): void {
  program
    .command('model')
    .description('predict the debug window (expected time to the first buffer overflow) and the slowdown budget of the replica')
    .option('--lambda <req/s>', 'λ: requests per second arriving on the connection')
    .option('--mu <req/s>', "μ: the replica's service rate as it runs (requests per second)")
    .option('--mu0 <req/s>', "μ0: the replica's service rate uninstrumented (with --slowdown)")
    .option('--slowdown <f>', 'the replica serves at μ0/f (1 = uninstrumented; 1.5 = 50% overhead)')
    .option('--buffer <size>', 'the per-connection buffer (--buffer of duplicate), with --request-size')
    .option('--request-size <bytes>', 'mean bytes a request takes in the buffer (fractional allowed, or 1KiB)')
    .option('--requests <K>', 'the buffer in requests instead: the chain level that is the overflow')
    .option('--window <duration>', 'W: the debug window required (e.g. 600, 10m, 90s)', '10m')
    .option('--risk', 'also simulate P(T_K ≤ W), the chance the buffer overflows within W')
    .option('--replications <n>', 'simulated runs for --risk', '400')
    .option('--seed <n>', 'seed of the simulation for --risk', '1')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', EXAMPLES)
    .action((raw: RawModelOptions) => {
      const report = evaluateModel(parseModelInputs(raw));
      const risk = raw.risk ? estimateRisk(report, parseCount(raw.replications, '--replications'), parseCount(raw.seed, '--seed')) : undefined;
      const bufferBytes = raw.buffer !== undefined ? parseByteSize(raw.buffer, '--buffer') : undefined;
      process.stdout.write(raw.json ? `${JSON.stringify(toJson(report, risk), null, 2)}\n` : formatModel(report, risk, bufferBytes, raw));
    });
}

function parseModelInputs(raw: RawModelOptions) {
  if (raw.lambda === undefined) throw new UsageError('--lambda is required', 'requests per second, e.g. --lambda 17');
  const arrivalRate = parsePositive(raw.lambda, '--lambda');
  if ((raw.mu === undefined) === (raw.mu0 === undefined)) throw new UsageError('give one of --mu or --mu0', '--mu0 goes with --slowdown');
  if (raw.mu !== undefined && raw.slowdown !== undefined) throw new UsageError('--slowdown goes with --mu0, not --mu');
  const baseServiceRate = raw.mu !== undefined ? parsePositive(raw.mu, '--mu') : parsePositive(raw.mu0, '--mu0');
  const slowdown = raw.slowdown !== undefined ? parsePositive(raw.slowdown, '--slowdown') : 1;
  let capacityRequests: number;
  if (raw.requests !== undefined) {
    if (raw.buffer !== undefined || raw.requestSize !== undefined) throw new UsageError('give --requests, or --buffer with --request-size, not both');
    capacityRequests = parseCount(raw.requests, '--requests');
  } else {
    if (raw.buffer === undefined || raw.requestSize === undefined) {
      throw new UsageError('the buffer is missing', 'give --buffer SIZE with --request-size BYTES, or --requests K');
    }
    capacityRequests = capacityInRequests(parseByteSize(raw.buffer, '--buffer'), parseRequestSize(raw.requestSize, '--request-size'));
  }
  return { arrivalRate, baseServiceRate, slowdown, capacityRequests, requiredWindowSeconds: parseSeconds(raw.window, '--window') };
}

/** P(T_K ≤ W) by simulation: each run stops at W, so the cost is about W·(λ+μ) events per run. */
function estimateRisk(report: ModelReport, replications: number, seed: number): RiskEstimate {
  const W = report.requiredWindowSeconds;
  const times = simulateHittingTimes(
    {
      connections: 1,
      interArrival: { kind: 'exponential', mean: 1 / report.arrivalRate },
      service: { kind: 'exponential', mean: 1 / report.serviceRate },
      slowdown: 1,
      connectionCapacity: report.capacityRequests - 1,
      totalCapacity: Infinity,
      horizonSeconds: W,
    },
    replications,
    new RandomStream(seed),
  );
  return { probability: summarizeHittingTimes(times, W, W).riskWithinWindow!, replications, seed };
}

function toJson(report: ModelReport, risk: RiskEstimate | undefined) {
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    ...report,
    expectedWindowSeconds: finite(report.expectedWindowSeconds),
    fluidWindowSeconds: finite(report.fluidWindowSeconds),
    risk: risk ?? null,
  };
}

function formatModel(report: ModelReport, risk: RiskEstimate | undefined, bufferBytes: number | undefined, raw: RawModelOptions): string {
  const W = formatWindow(report.requiredWindowSeconds);
  const { budget, stationary } = report;
  const service =
    raw.mu !== undefined
      ? formatRate(report.serviceRate)
      : `${formatRate(report.serviceRate)} (μ0 ${formatRate(report.baseServiceRate)} ÷ slowdown ${formatSlowdown(report.slowdown)})`;
  const capacity =
    bufferBytes !== undefined
      ? `${report.capacityRequests} requests (${formatByteSize(bufferBytes)} of ${/^[\d.]+$/.test(raw.requestSize!) ? `${raw.requestSize} B` : raw.requestSize} requests, +1: the one that overflows)`
      : `${report.capacityRequests} requests`;
  const fMax =
    budget.verdict === 'unlimited'
      ? `unlimited: even a stalled replica takes K/λ ≥ ${W} to fill the buffer`
      : budget.verdict === 'unreachable'
        ? `none: even uninstrumented (f = 1) the window is below ${W}`
        : `${formatSlowdown(budget.maxSlowdown!)} keeps E[T_K] ≥ ${W}` +
          (budget.fluidSlowdown !== null ? `; fluid approximation ${budget.fluidSlowdown.toFixed(2)}×` : '');
  const rows: string[][] = [
    ['arrival rate λ', formatRate(report.arrivalRate)],
    ['service rate μ', service],
    ['buffer K', capacity],
    [
      'expected window E[T_K]',
      `${formatWindow(report.expectedWindowSeconds, report.log10ExpectedWindowSeconds)} ` +
        `(fluid K/(λ−μ) ${formatWindow(report.fluidWindowSeconds)}, floor K/λ ${formatWindow(report.stalledWindowSeconds)})`,
    ],
    ['required window W', `${W}: ${report.meetsRequiredWindow ? 'met' : 'NOT MET'}`],
    ['slowdown budget f_max', fMax],
    ['stable while', `f < ${budget.stableSlowdown.toFixed(2)}× (λ < μ0/f)`],
    [
      'stationary (reporting only)',
      `load ρ ${stationary.load.toFixed(3)}, mean ${stationary.meanRequests.toFixed(1)} requests, blocking P_K ${(stationary.blocking * 100).toPrecision(3)}%`,
    ],
  ];
  if (risk) rows.push(['risk P(T_K ≤ W)', `${(risk.probability * 100).toFixed(1)}% of ${risk.replications} simulated runs (seed ${risk.seed})`]);
  return `debug-window model: M/M/1/K, one connection\n${table(['', 'value'], rows)}\n`;
}
