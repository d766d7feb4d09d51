/** Text output of `iprobe fperf --list-events` and `--check-events`. */
import { backendLabel, readCallName } from '../fperf/counter-backend.js';
import type { EventCheckReport } from '../fperf/event-check.js';
import type { EventListing, ListedEvent, ListedKernelEvent } from '../fperf/event-listing.js';
import { formatTable } from './format-table.js';

export function formatEventListing(l: EventListing): string {
  const hw = l.hardware;
  const where = hw.virtualized ? `, ${hw.virtualVendor ? `${hw.virtualVendor} ` : ''}virtual machine` : '';
  const papi = l.papiVersion ? `PAPI ${l.papiVersion}` : `PAPI unusable (${l.papiError ?? 'not initialised'})`;
  const machine = hw.model || hw.vendor ? ` on ${hw.model || hw.vendor}${where}, ${hw.cpus} CPUs` : '';
  const out = [`${papi}${machine}`, `Counters: ${l.backendNote}`, '', 'Components:'];
  out.push(
    indent(
      formatTable(
        ['component', 'state', 'description'],
        l.components.map((c) => [c.name, c.disabled ? 'disabled' : `${c.counters} counters`, c.disabled ? (c.disabledReason ?? '') : c.description]),
      ),
    ),
  );
  out.push(heading('Hardware presets', l.presets, l.all));
  if (l.presets.events.length) out.push(indent(eventTable(l.presets.events, l.all, true)));
  for (const group of l.native) {
    out.push(heading(`Native events of ${group.component}`, group, l.all));
    if (group.events.length) out.push(indent(eventTable(group.events, l.all, false)));
  }
  const k = l.kernel;
  const paranoid = k.paranoid === null ? '' : `, perf_event_paranoid ${k.paranoid}`;
  out.push(heading(`Kernel events (perf_event_open${paranoid})`, k, l.all));
  if (k.events.length) out.push(indent(kernelTable(k.events, l.all)));
  const d = l.defaultEvents;
  out.push(
    '',
    'error' in d
      ? `Default event set: none (${d.error})`
      : `Default event set: ${d.events.join(', ')}, counted by ${backendLabel(d.backend)}\n  ${d.reason}`,
  );
  return `${out.join('\n')}\n`;
}

function heading(title: string, group: { total: number; available: number }, all: boolean): string {
  const hidden = !all && group.available < group.total ? ' (--all lists the others, with the reason)' : '';
  return `\n${title}: ${group.available} of ${group.total} can be counted here${hidden}`;
}

function eventTable(events: ListedEvent[], all: boolean, presets: boolean): string {
  const headers = ['event', ...(all ? ['countable'] : []), ...(presets ? ['derived'] : []), 'description', ...(all ? ['why not'] : [])];
  const rows = events.map((e) => [
    e.name,
    ...(all ? [e.available ? 'yes' : 'no'] : []),
    ...(presets ? [e.derived ? 'yes' : 'no'] : []),
    clip(e.description),
    ...(all ? [e.reason ?? ''] : []),
  ]);
  return formatTable(headers, rows);
}

function kernelTable(events: ListedKernelEvent[], all: boolean): string {
  const headers = ['event', ...(all ? ['countable'] : []), 'counted by', 'also', 'description', ...(all ? ['why not'] : [])];
  const rows = events.map((e) => [
    e.name,
    ...(all ? [e.available ? 'yes' : 'no'] : []),
    e.countedBy ? (e.countedBy === 'papi' ? 'PAPI' : 'kernel') : '-',
    e.aliases.filter((a) => !a.includes('PERF_COUNT_')).join(' '),
    clip(e.description),
    ...(all ? [e.reason ?? ''] : []),
  ]);
  return formatTable(headers, rows);
}

const DESCRIPTION_WIDTH = 72;

/** The first sentence, at most DESCRIPTION_WIDTH characters (--json has the whole text). */
function clip(description: string): string {
  const sentence = description.split(/(?<=\.) /)[0]!;
  return sentence.length <= DESCRIPTION_WIDTH ? sentence : `${sentence.slice(0, DESCRIPTION_WIDTH - 1)}…`;
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

export function formatEventCheck(r: EventCheckReport): string {
  const out = [`${backendLabel(r.backend)}${r.backend === 'papi' ? ` ${r.papiVersion}` : ''}: checking ${r.events.join(', ')}`];
  if (r.defaultEvents) out.push(`  default event set: ${r.defaultEvents.reason}`);
  out.push(
    indent(formatTable(['event', 'result'], r.check.events.map((e) => [e.name, e.ok ? 'ok' : (e.error ?? 'failed')]))),
  );
  if (r.check.ok) out.push('the set was added, started, read and stopped: it can be counted');
  else if (r.check.error && r.check.events.every((e) => e.ok)) out.push(`the set cannot be counted: ${r.check.error}`);
  if (r.readCost) {
    const c = r.readCost;
    out.push(`one ${readCallName(r.backend)} of this set costs ${us(c.medianNs)} here (median of ${c.iterations}; p90 ${us(c.p90Ns)}, min ${us(c.minNs)})`);
  }
  out.push(`note: ${r.caveat}`);
  return `${out.join('\n')}\n`;
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
