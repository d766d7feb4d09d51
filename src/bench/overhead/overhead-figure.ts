/** Figure 5.6: run time relative to the uninstrumented build, per program. */
import { figureConfig, renderSvg } from '../suite/plot.js';
import { COLDPATCH_OVERHEAD_TARGET } from './overhead-markdown.js';
import type { OverheadResults } from './program-overhead.js';

export async function overheadFigure(r: OverheadResults): Promise<string> {
  const values = r.programs.flatMap((p) =>
    p.comparison.contestants.map((c) => ({ program: p.program, build: c.label, ratio: c.minRatio, text: c.minRatio.toFixed(2) })),
  );
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...figureConfig(
      'Run time relative to the uninstrumented build',
      `min of ${r.runs} interleaved runs, ${r.size} workloads; dashed line: coldpatch target (${COLDPATCH_OVERHEAD_TARGET}×)`,
    ),
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'program', type: 'nominal', title: null, axis: { labelAngle: 0 } },
          xOffset: { field: 'build', type: 'nominal', sort: ['uninstrumented', 'instrumented', 'coldpatched'] },
          y: { field: 'ratio', type: 'quantitative', title: 'time / uninstrumented time' },
          color: { field: 'build', type: 'nominal', sort: ['uninstrumented', 'instrumented', 'coldpatched'], title: 'build' },
        },
      },
      {
        data: { values },
        mark: { type: 'text', dy: -5, fontSize: 9 },
        encoding: {
          x: { field: 'program', type: 'nominal' },
          xOffset: { field: 'build', type: 'nominal', sort: ['uninstrumented', 'instrumented', 'coldpatched'] },
          y: { field: 'ratio', type: 'quantitative' },
          text: { field: 'text' },
        },
      },
      {
        data: { values: [{ y: COLDPATCH_OVERHEAD_TARGET }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
    width: { step: 90 },
    height: 260,
  });
}
