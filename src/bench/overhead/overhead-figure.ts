/**
 * Figure 5.6: per program, the instrumented and coldpatched builds relative
 * to the uninstrumented one, by time and (coldpatched) by instructions.
 */
import { figureConfig, renderSvg } from '../suite/plot.js';
import { COLDPATCH_OVERHEAD_TARGET } from './overhead-markdown.js';
import type { OverheadResults } from './program-overhead.js';

const SERIES = ['instrumented, time', 'coldpatched, time', 'coldpatched, instructions'];

export async function overheadFigure(r: OverheadResults): Promise<string> {
  const ratio = (p: OverheadResults['programs'][number], label: string) => p.comparison.contestants.find((c) => c.label === label)!.minRatio;
  const values = r.programs.flatMap((p) => {
    const bars = [
      { program: p.program, series: SERIES[0], ratio: ratio(p, 'instrumented') },
      { program: p.program, series: SERIES[1], ratio: ratio(p, 'coldpatched') },
    ];
    if (p.instructions) {
      const i = p.instructions;
      bars.push({ program: p.program, series: SERIES[2], ratio: i.coldpatched.instructions / i.uninstrumented.instructions });
    }
    return bars.map((b) => ({ ...b, text: b.ratio.toFixed(2) }));
  });
  const x = { field: 'program', type: 'nominal', title: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'series', type: 'nominal', sort: SERIES } as const;
  const y = { field: 'ratio', type: 'quantitative', title: 'relative to the uninstrumented build' } as const;
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...figureConfig(
      'Cost of -finstrument-functions before and after coldpatch',
      [
        `time: min of ${r.runs} interleaved runs (${r.size} workloads); instructions executed: one callgrind run (quick workloads)`,
        `solid line: uninstrumented (1.0); dashed: coldpatch target (${COLDPATCH_OVERHEAD_TARGET})`,
      ],
    ),
    width: 120 * Math.max(1, r.programs.length),
    height: 260,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: { x, xOffset, y, color: { field: 'series', type: 'nominal', sort: SERIES, title: null, legend: { orient: 'top', labelLimit: 300 } } },
      },
      { data: { values }, mark: { type: 'text', dy: -5, fontSize: 9 }, encoding: { x, xOffset, y, text: { field: 'text' } } },
      { data: { values: [{ y: 1 }] }, mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: [{ y: COLDPATCH_OVERHEAD_TARGET }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  });
}
