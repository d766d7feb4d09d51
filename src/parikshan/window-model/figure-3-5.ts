/**
 * The seed's Figure 3.5 protocol: a 64 GB buffer, arrivals about 5 times
 * below the replica's service rate (ρ0 = 0.2, so +400 % overhead is full
 * capacity), the overhead raised in 10 % steps, 10^6 s per run. The seed does
 * not give its arrival rates; what it reports (no overflow until 420–470 %)
 * implies about 0.5–1.7 MB/s entering the buffer, so the series are 0.5, 1
 * and 1.7 MB/s. Requests are simulated as 16 MiB each: in the fluid regime
 * the window depends on bytes per second, not on how they are cut, and
 * 64 GB of 1 KB requests would cost 10^9 events per run.
 */
import type { BufferScenario } from './buffer-simulator.js';

export const FIGURE_3_5_BUFFER_BYTES = 64e9;
export const FIGURE_3_5_HORIZON_SECONDS = 1e6;
/** Simulated request size; see above. */
export const FIGURE_3_5_REQUEST_BYTES = 16 * 2 ** 20;
/** μ0/λ of every series. */
export const FIGURE_3_5_SERVICE_TO_ARRIVAL = 5;

export interface Figure35Series {
  name: string;
  bytesPerSecond: number;
  scenario: BufferScenario;
}

export function figure35Series(megabytesPerSecond: readonly number[] = [0.5, 1, 1.7]): Figure35Series[] {
  return megabytesPerSecond.map((mbps) => {
    const lambda = (mbps * 1e6) / FIGURE_3_5_REQUEST_BYTES;
    return {
      name: `${mbps} MB/s`,
      bytesPerSecond: mbps * 1e6,
      scenario: {
        connections: 1,
        interArrival: { kind: 'exponential', mean: 1 / lambda },
        service: { kind: 'exponential', mean: 1 / (lambda * FIGURE_3_5_SERVICE_TO_ARRIVAL) },
        slowdown: 1,
        requestSize: { kind: 'fixed', value: FIGURE_3_5_REQUEST_BYTES },
        connectionCapacity: FIGURE_3_5_BUFFER_BYTES,
        totalCapacity: Infinity,
        horizonSeconds: FIGURE_3_5_HORIZON_SECONDS,
      },
    };
  });
}

/** The seed's steps: 10 % apart; by default over the interesting part, 300–700 %. */
export function figure35Overheads(from = 300, to = 700, step = 10): number[] {
  const steps: number[] = [];
  for (let o = from; o <= to + 1e-9; o += step) steps.push(+o.toFixed(6));
  return steps;
}
