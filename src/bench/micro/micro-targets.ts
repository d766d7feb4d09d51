/** The HotPatch issue's targets for the micro-benchmark, judged on what was measured. */
import { formatMeasure } from '../suite/markdown-table.js';
import { callsText, type MicroResults, type MicroRow } from './micro-benchmark.js';

const IPROBE_ON = 'iprobe-hotpatched-count';
const IPROBE_CALLS = 'iprobe-hotpatched-calls';

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
    const instr = (id: string) => r.instructions.counts.find((c) => c.id === id)?.instructionsPerEvent;
    const xrI = instr('xray-count');
    const xrBareI = instr('xray-patched');
    // The calls-only handler does XRay's counting handler's job; the count handler does more (time, shadow stack).
    const judged = [
      { id: IPROBE_CALLS, instructionsId: 'iprobe-calls-handler', what: 'calls-only handler (`calls` mode: the same job, count every event)' },
      { id: IPROBE_ON, instructionsId: 'iprobe-count-handler', what: 'count handler (`count` mode: also reads the clock and keeps a shadow stack for inclusive and self time)' },
    ].flatMap((j) => {
      const row = largest(r.rows, j.id, xrayCount.calls) ?? largest(r.rows, j.id);
      return row?.nsPerEvent === undefined ? [] : [{ ...j, row, instructions: instr(j.instructionsId) }];
    });
    const met = judged[0]?.id === IPROBE_CALLS && judged[0].row.nsPerEvent! < xrayCount.nsPerEvent!;
    const parts = judged.map(
      (j) =>
        `iprobe's ${j.what}: ${ns(j.row)} per event (${(j.row.nsPerEvent! / xrayCount.nsPerEvent!).toFixed(2)}× XRay's)` +
        (j.instructions !== undefined ? `, ${formatMeasure(j.instructions)} instructions per event` : ''),
    );
    lines.push(
      `- **Probes-on cost per event below XRay's patched cost: ${met ? 'met' : 'missed'}.** XRay patched with a handler that counts: ` +
        `${ns(xrayCount)} per event at ${callsText(xrayCount.calls)} calls` +
        (xrI !== undefined ? `, ${formatMeasure(xrI)} instructions per event` : '') +
        (xrayBare ? `; with no handler ${ns(xrayBare)}${xrBareI !== undefined ? `, ${formatMeasure(xrBareI)} instructions` : ''}` : '') +
        `. ${parts.join('; ')}.`,
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
