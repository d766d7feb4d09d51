/** The HotPatch issue's targets for the micro-benchmark, judged on what was measured. */
import { formatMeasure } from '../suite/markdown-table.js';
import { callsText, type MicroResults, type MicroRow } from './micro-benchmark.js';

const IPROBE_ON = 'iprobe-hotpatched-count';

/** The row of a contestant at its largest call count (the least noisy per-event figure). */
function largest(rows: readonly MicroRow[], id: string, calls?: number): MicroRow | undefined {
  const mine = rows.filter((r) => r.id === id && (calls === undefined || r.calls === calls));
  return mine.sort((a, b) => b.calls - a.calls)[0];
}

function why(r: MicroResults, id: string): string {
  const t = r.tools.find((s) => s.id === id);
  return t && t.status !== 'measured' ? `${t.status}: ${t.why}` : 'not measured';
}

export function microTargets(r: MicroResults): string {
  const lines: string[] = [];
  const iprobe = largest(r.rows, IPROBE_ON);
  if (!iprobe?.nsPerEvent) return '- iprobe\'s probes-on run was not measured: the targets cannot be judged.';
  const ns = (row: MicroRow) => `${formatMeasure(row.nsPerEvent!)} ns`;

  const xrayCount = largest(r.rows, 'xray-count', iprobe.calls) ?? largest(r.rows, 'xray-count');
  const xrayBare = largest(r.rows, 'xray-patched', xrayCount?.calls);
  if (xrayCount) {
    const iprobeThere = largest(r.rows, IPROBE_ON, xrayCount.calls) ?? iprobe;
    const met = iprobeThere.nsPerEvent! < xrayCount.nsPerEvent!;
    const instr = (id: string) => r.instructions.counts.find((c) => c.id === id)?.instructionsPerEvent;
    const ipI = instr('iprobe-count-handler');
    const xrI = instr('xray-count');
    const xrBareI = instr('xray-patched');
    lines.push(
      `- **Probes-on cost per event below XRay's patched cost: ${met ? 'met' : 'missed'}.** Compared with XRay patched **with a handler that counts** ` +
        `(the same job: count every event): iprobe ${ns(iprobeThere)} vs XRay ${ns(xrayCount)} per event at ${callsText(xrayCount.calls)} calls ` +
        `(${(iprobeThere.nsPerEvent! / xrayCount.nsPerEvent!).toFixed(2)}×)` +
        (xrayBare ? `; XRay patched with no handler costs ${ns(xrayBare)}` : '') +
        (ipI !== undefined && xrI !== undefined
          ? `. In instructions per event (callgrind): iprobe ${formatMeasure(ipI)}, XRay counting ${formatMeasure(xrI)}` +
            (xrBareI !== undefined ? `, XRay without handler ${formatMeasure(xrBareI)}` : '') +
            ". iprobe's count handler also reads the clock and keeps a shadow stack for inclusive and self time, which XRay's counting handler here does not"
          : '') +
        '.',
    );
  } else {
    lines.push(`- Probes-on cost per event below XRay's patched cost: cannot be judged here (XRay ${why(r, 'xray-count')}).`);
  }

  for (const id of ['bpftrace-uprobe', 'perf-uprobe']) {
    const uprobe = largest(r.rows, id);
    if (!uprobe) {
      lines.push(`- At least 20× below uprobes (${id}): cannot be judged here (${why(r, id)}).`);
      continue;
    }
    const factor = uprobe.nsPerEvent! / iprobe.nsPerEvent!;
    lines.push(
      `- **At least 20× below uprobes (${uprobe.label}): ${factor >= 20 ? 'met' : 'missed'}.** ${ns(uprobe)} per uprobe hit vs ${ns(iprobe)} per iprobe event: ` +
        `${factor >= 100 ? Math.round(factor) : factor.toFixed(1)}× cheaper.`,
    );
  }
  return lines.join('\n');
}
