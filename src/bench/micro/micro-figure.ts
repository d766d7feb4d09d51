/** Figure 5.7: nanoseconds per call of the empty function, per tool, on a log scale. */
import { figureConfig, renderSvg } from '../suite/plot.js';
import { callsText, type MicroResults, type MicroRow } from './micro-benchmark.js';

/** Bars on a log axis need a base other than zero. */
const BAR_BASE_NS = 0.5;

export async function microFigure(r: MicroResults): Promise<string> {
  // Each contestant at its largest call count; per call rather than per event,
  // so the uninstrumented loop has a bar and nothing is zero or negative on a log axis.
  const best = new Map<string, MicroRow>();
  for (const row of r.rows) if ((best.get(row.id)?.calls ?? 0) < row.calls) best.set(row.id, row);
  const values = [...best.values()]
    .sort((a, b) => a.minNsPerCall - b.minNsPerCall)
    .map((row) => ({
      // the table has the long labels; here only what fits beside a bar
      label: `${row.label.replace(/ \(.*?\)/g, '')}, ${callsText(row.calls)} calls`,
      tool: row.tool,
      ns: row.minNsPerCall,
      text: row.minNsPerCall >= 100 ? Math.round(row.minNsPerCall).toLocaleString('en') : row.minNsPerCall.toFixed(1),
    }));
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...figureConfig('Cost of a call to an empty function, by tool', `ns per call, min of ${r.rounds} interleaved runs; log scale`),
    width: 360,
    height: { step: 22 },
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: values.map((v) => v.label), title: null, axis: { labelLimit: 600 } },
      x: { field: 'ns', type: 'quantitative', scale: { type: 'log', domainMin: BAR_BASE_NS }, title: 'ns per call (log scale)' },
    },
    layer: [
      { mark: 'bar', encoding: { x2: { datum: BAR_BASE_NS }, color: { field: 'tool', type: 'nominal', title: 'tool' } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'text' } } },
    ],
  });
}
