/**
 * Figures as SVG, from a Vega-Lite specification rendered headless in Node
 * (no browser, no canvas: vega's SVG renderer estimates text widths).
 */
import type { TopLevelSpec } from 'vega-lite';

export type PlotSpec = TopLevelSpec;

export async function renderSvg(spec: PlotSpec): Promise<string> {
  // Loaded on first use: the rest of the CLI should not pay for vega at start-up.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Common look: white background, a title, a footnote with the machine and load. */
export function figureConfig(title: string, subtitle: string | string[]): Pick<TopLevelSpec, 'title' | 'background' | 'config'> {
  return {
    title: { text: title, subtitle, subtitleFontSize: 10, anchor: 'start' },
    background: 'white',
    config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 }, legend: { labelFontSize: 11 } },
  };
}
