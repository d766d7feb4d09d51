/**
 * The seed's Table 3.1 re-measured here, with the model beside each row, and
 * its Figure 3.5 from the simulator. The seed ran MySQL with a sleep in the
 * request handler (at most 27 requests/s in one session); here redis sits
 * behind the duplicator and a proxy in front of the replica sleeps
 * slowdown/27 s per turn. A redis turn takes about 115 bytes of buffer
 * against the seed's 19.6, so each buffer is sized to hold the seed's number
 * of requests (K = pipe ÷ 19.6 B), which keeps the windows comparable.
 */
import { markdownTable } from '../suite/markdown-table.js';
import type { Experiment } from '../suite/experiment.js';
import { checkInstalled } from '../suite/availability.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { simulateHittingTimes, type BufferScenario } from '../../parikshan/window-model/buffer-simulator.js';
import { capacityInRequests } from '../../parikshan/window-model/debug-window-model.js';
import { expectedHittingTime } from '../../parikshan/window-model/hitting-time.js';
import { percentile } from '../../parikshan/window-model/hitting-time-summary.js';
import { figure35Overheads, figure35Series } from '../../parikshan/window-model/figure-3-5.js';
import { sweepOverheads } from '../../parikshan/window-model/overhead-sweep.js';
import { RandomStream } from '../../parikshan/window-model/random-stream.js';
import { renderSweepSvg } from '../../parikshan/window-model/sweep-figure.js';
import { formatWindow } from '../../parikshan/window-model/window-format.js';
import { measureDebugWindow } from './window-rig.js';

const SEED_REQUEST_BYTES = 19.6;
const SEED_MAX_RATE = 27;
/** Bytes one redis SET turn of request-load.ts takes in the debug buffer (50 B request + 64 B answer record). */
const TURN_BYTES = 114;

interface Table31Row {
  arrivals: 'constant' | 'poisson';
  rate: number;
  pipeBytes: number;
  slowdown: number;
  /** The seed's measured window, seconds; null: no overflow. */
  seedSeconds: number | null;
}

const TABLE_3_1: Table31Row[] = [
  { arrivals: 'constant', rate: 27, pipeBytes: 4096, slowdown: 1.8, seedSeconds: null },
  { arrivals: 'constant', rate: 27, pipeBytes: 4096, slowdown: 3, seedSeconds: 8 },
  { arrivals: 'constant', rate: 27, pipeBytes: 16384, slowdown: 3, seedSeconds: 72 },
  { arrivals: 'poisson', rate: 17, pipeBytes: 4096, slowdown: 8, seedSeconds: 16 },
  { arrivals: 'poisson', rate: 17, pipeBytes: 4096, slowdown: 5, seedSeconds: 18 },
  { arrivals: 'poisson', rate: 17, pipeBytes: 65536, slowdown: 3.2, seedSeconds: null },
  { arrivals: 'poisson', rate: 17, pipeBytes: 16384, slowdown: 3.2, seedSeconds: 376 },
];

/** --quick: one row with a quarter of the pipe (a few seconds). */
const QUICK_ROWS: Table31Row[] = [{ arrivals: 'poisson', rate: 17, pipeBytes: 1024, slowdown: 8, seedSeconds: null }];

export const debugWindowExperiment: Experiment = {
  id: 'debug-window',
  title: 'Parikshan: debug window, measured and modelled (paper Table 3.1 and Figure 3.5)',
  run: async (ctx) => {
    const redis = await checkInstalled('redis-server', 'redis-server', promisify(execFile));
    const rows = ctx.quick ? QUICK_ROWS : TABLE_3_1;
    const capSeconds = ctx.quick ? 30 : 120;
    const measured = [];
    if (redis.available) {
      for (const [index, row] of rows.entries()) {
        ctx.progress(`Table 3.1 row ${index + 1}/${rows.length}: ${row.arrivals} ${row.rate}/s, ${row.pipeBytes} B pipe, ${row.slowdown}x`);
        measured.push({ row, ...(await measureRow(row, capSeconds, index)) });
      }
    }
    ctx.progress('Figure 3.5 from the simulator');
    const overheads = ctx.quick ? figure35Overheads(300, 700, 50) : figure35Overheads();
    const replications = ctx.quick ? 3 : 10;
    const series = figure35Series().map(({ name, scenario }) => ({ name, rows: sweepOverheads(scenario, { overheadsPercent: overheads, replications, seed: 35 }) }));
    const onset = series.map(({ name, rows: steps }) => `${name}: ${steps.find((s) => s.simulated.overflowed > 0)?.overheadPercent ?? 'none'}%`);
    const svg = await renderSweepSvg('Figure 3.5: time to the first overflow of a 64 GB buffer per overhead step', [
      `simulated, ρ0 = 0.2, runs of 10^6 s, ${replications} runs per step; dashed: M/M/1/K E[T_K]; first overflow at ${onset.join(', ')}`,
    ], series);
    const table31 = redis.available
      ? markdownTable(
          ['arrivals', 'pipe (seed)', 'K', 'slowdown', 'seed window', 'measured here', 'model E[T_K]', 'simulated p10–p90', 'status predicted'],
          measured.map(({ row, K, observed, model, band, predicted }) => [
            `${row.arrivals} ${row.rate}/s`,
            `${row.pipeBytes} B`,
            K,
            `${row.slowdown}×`,
            row.seedSeconds === null ? '∞' : `${row.seedSeconds} s`,
            observed === null ? `none in ${capSeconds} s` : `${observed.toFixed(1)} s`,
            formatWindow(model),
            band,
            predicted,
          ]),
        )
      : `Not measured: ${redis.why}.\n`;
    const markdown = [
      'Table 3.1 re-measured: redis behind the duplicator, the replica behind a proxy that sleeps slowdown/27 s per turn,',
      `an open-loop load of redis SETs; each buffer holds the seed's number of requests (K = pipe ÷ ${SEED_REQUEST_BYTES} B, at ${TURN_BYTES} B a turn here).`,
      '"model" is the M/M/1/K E[T_K] for the row (exponential service, whatever the row\'s distributions); "simulated" uses the',
      "row's own distributions (constant or Poisson arrivals, constant service); \"status predicted\" is what `parikshan status` said last before the overflow.",
      '',
      table31,
      '',
      `Figure 3.5 (simulated): first overflow within 10^6 s at ${onset.join(', ')} (seed: 420–470 %).`,
      '',
      markdownTable(
        ['series', 'overhead', 'overflowed', 'median', 'model E[T_K]'],
        series.flatMap(({ name, rows: steps }) =>
          steps
            .filter((s) => s.simulated.overflowed > 0 || s.overheadPercent % 50 === 0)
            .map((s) => [name, `${s.overheadPercent} %`, `${s.simulated.overflowed}/${s.simulated.replications}`, formatWindow(s.simulated.p50), formatWindow(s.model)]),
        ),
      ),
    ].join('\n');
    return { markdown, svg, data: { table31: measured, figure35: series } };
  },
};

async function measureRow(row: Table31Row, capSeconds: number, index: number) {
  const random = new RandomStream(100 + index);
  const K = capacityInRequests(row.pipeBytes, SEED_REQUEST_BYTES);
  const mu = SEED_MAX_RATE / row.slowdown;
  const run = await measureDebugWindow({
    bufferBytes: (K - 1) * TURN_BYTES + Math.floor(TURN_BYTES / 2),
    gapMs: row.arrivals === 'poisson' ? () => random.exponential(1000 / row.rate) : () => 1000 / row.rate,
    delayMs: () => 1000 / mu,
    capSeconds,
  });
  const scenario: BufferScenario = {
    connections: 1,
    interArrival: row.arrivals === 'poisson' ? { kind: 'exponential', mean: 1 / row.rate } : { kind: 'fixed', value: 1 / row.rate },
    service: { kind: 'fixed', value: 1 / mu },
    slowdown: 1,
    connectionCapacity: K - 1,
    totalCapacity: Infinity,
    horizonSeconds: 1e5,
  };
  const times = simulateHittingTimes(scenario, 200, new RandomStream(7 + index)).sort();
  const p = run.prediction;
  return {
    K,
    observed: run.observedSeconds,
    model: expectedHittingTime(row.rate, mu, K),
    band: `${formatWindow(percentile(times, 0.1))}–${formatWindow(percentile(times, 0.9))}`,
    predicted:
      p === null
        ? 'no prediction yet'
        : `${p.expectedWindowSeconds === null ? '∞' : formatWindow(p.expectedWindowSeconds)} (λ ${p.arrivalRate.toFixed(1)}, μ ${p.serviceRate?.toFixed(1)}, K ${p.capacityRequests})`,
    requestsSent: run.requestsSent,
  };
}
