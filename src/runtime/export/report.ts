/**
 * The per-function report: calls, total (inclusive) and self time, from
 * count-mode statistics or from a trace, and its text table.
 */
import type { TickClock } from '../clock.js';
import type { FunctionStat } from '../function-table.js';
import { nameOf, type NameResolver } from '../symbols.js';
import { selfNs, walkSpans, type ThreadTimeline } from '../timeline.js';

export interface ReportRow {
  name: string;
  address: number;
  kind: 'function' | 'point';
  calls: number;
  /** Inclusive time of outermost activations: recursion is not counted twice. */
  totalNs: number;
  selfNs: number;
}

export function reportFromStats(stats: readonly FunctionStat[], clock: Pick<TickClock, 'durationNs'>, resolve?: NameResolver): ReportRow[] {
  return stats.map((s) => ({
    name: nameOf(resolve, s.address),
    address: s.address,
    kind: s.kind,
    calls: s.calls,
    totalNs: clock.durationNs(s.totalTicks),
    selfNs: clock.durationNs(s.selfTicks),
  }));
}

export function reportFromTimelines(timelines: readonly ThreadTimeline[], resolve?: NameResolver): ReportRow[] {
  const rows = new Map<number, ReportRow>();
  const row = (address: number, kind: ReportRow['kind']): ReportRow => {
    let r = rows.get(address);
    if (!r) rows.set(address, (r = { name: nameOf(resolve, address), address, kind, calls: 0, totalNs: 0, selfNs: 0 }));
    return r;
  };
  for (const thread of timelines) {
    walkSpans(thread.roots, (span, ancestors) => {
      const r = row(span.address, 'function');
      r.calls++;
      r.selfNs += selfNs(span);
      if (!ancestors.some((a) => a.address === span.address)) r.totalNs += span.endNs - span.startNs;
    });
    for (const point of thread.points) row(point.site, 'point').calls++;
  }
  return [...rows.values()];
}

export type ReportOrder = 'calls' | 'total' | 'self';

export function sortReport(rows: readonly ReportRow[], by: ReportOrder = 'total'): ReportRow[] {
  const key = { calls: (r: ReportRow) => r.calls, total: (r: ReportRow) => r.totalNs, self: (r: ReportRow) => r.selfNs }[by];
  return [...rows].sort((a, b) => key(b) - key(a) || b.calls - a.calls || (a.name < b.name ? -1 : 1));
}

export function formatDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} us`;
  return `${Math.round(ns)} ns`;
}

/** A fixed-width table, one function per line, in the order given. */
export function formatReportTable(rows: readonly ReportRow[], limit = Infinity): string {
  const shown = rows.slice(0, limit);
  const cells = [
    ['calls', 'total', 'self', 'avg', 'function'],
    ...shown.map((r) => [
      String(r.calls),
      r.kind === 'point' ? '-' : formatDuration(r.totalNs),
      r.kind === 'point' ? '-' : formatDuration(r.selfNs),
      r.kind === 'point' || r.calls === 0 ? '-' : formatDuration(r.totalNs / r.calls),
      r.kind === 'point' ? `${r.name} (point)` : r.name,
    ]),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((line) => line[c]!.length)));
  const lines = cells.map((line) => [...widths.map((w, c) => line[c]!.padStart(w)), line[4]].join('  '));
  if (rows.length > shown.length) lines.push(`... ${rows.length - shown.length} more`);
  return lines.join('\n') + '\n';
}
