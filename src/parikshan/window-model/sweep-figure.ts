/**
 * The hitting time per overhead step as an SVG: the simulated median with
 * its 10–90 % band per series, and the M/M/1/K model as a dashed line. Steps
 * with no overflow within the horizon have no point (the window is longer
 * than the run).
 */
import { figureConfig, renderSvg } from '../../bench/suite/plot.js';
import type { SweepRow } from './overhead-sweep.js';

export interface SweepSeries {
  name: string;
  rows: SweepRow[];
}

export async function renderSweepSvg(title: string, subtitle: string[], series: SweepSeries[]): Promise<string> {
  const points = series.flatMap(({ name, rows }) =>
    rows
      .filter((row) => Number.isFinite(row.simulated.p50))
      .map((row) => ({
        series: name,
        overhead: row.overheadPercent,
        p10: row.simulated.p10,
        p50: row.simulated.p50,
        p90: Number.isFinite(row.simulated.p90) ? row.simulated.p90 : row.simulated.p50,
      })),
  );
  const model = series.flatMap(({ name, rows }) =>
    rows.filter((row) => Number.isFinite(row.model) && row.model < 1e12).map((row) => ({ series: name, overhead: row.overheadPercent, model: row.model })),
  );
  const x = { field: 'overhead', type: 'quantitative', title: 'replica overhead (%)' } as const;
  const y = { type: 'quantitative', title: 'time to first overflow (s, log)', scale: { type: 'log' } } as const;
  const color = { field: 'series', type: 'nominal', title: 'series' } as const;
  return renderSvg({
    ...figureConfig(title, subtitle),
    width: 520,
    height: 300,
    layer: [
      { data: { values: points }, mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { ...y, field: 'p10' }, y2: { field: 'p90' }, color } },
      { data: { values: points }, mark: { type: 'line', point: true }, encoding: { x, y: { ...y, field: 'p50' }, color } },
      { data: { values: model }, mark: { type: 'line', strokeDash: [4, 3], color: 'black', opacity: 0.6 }, encoding: { x, y: { ...y, field: 'model' }, detail: { field: 'series' } } },
    ],
  });
}
