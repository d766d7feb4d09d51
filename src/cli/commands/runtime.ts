/** `iprobe runtime <pid>`: read (and steer) the runtime of a running process, patching nothing. */
import { readlinkSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCount, parsePid } from '../../util/parse-numbers.js';
import { parsedOption } from '../parsed-option.js';
import { formatReportTable, reportFromStats, sortReport, type ReportRow } from '../../runtime/export/report.js';
import { describeClock } from '../../runtime/clock.js';
import { RuntimeSegment } from '../../runtime/segment.js';
import { executableResolver, type NameResolver } from '../../runtime/symbols.js';
import { parseMode } from './run.js';

interface RuntimeOptions {
  mode?: string;
  reset?: boolean;
  json?: boolean;
  limit: number;
}

export function registerRuntime(program: Command): void {
  program
    .command('runtime')
    .description("show the iprobe runtime of a running process (header, mode, counters, per-function counts); optionally set its mode")
    .argument('<pid>', 'process id', (text: string) => parsePid(text))
    .option('--mode <mode>', 'switch the runtime to off, count, trace or calls')
    .option('--reset', 'zero the per-function statistics')
    .option('--json', 'print JSON instead of a table')
    .addOption(parsedOption('--limit <n>', 'functions to list in the table', parseCount).default(20))
    .action(async (pid: number, options: RuntimeOptions) => {
      const mode = options.mode !== undefined ? parseMode(options.mode) : undefined;
      const segment = RuntimeSegment.open(pid);
      try {
        if (mode) segment.setMode(mode);
        if (options.reset) await segment.resetCounters();
        process.stdout.write(describe(segment, options));
      } finally {
        segment.close();
      }
    });
}

function describe(segment: RuntimeSegment, options: RuntimeOptions): string {
  const header = segment.header();
  const counters = segment.counters();
  const rows = sortReport(reportFromStats(segment.functionStats(), segment.clock(), resolverFor(segment.pid, header.exeLoadBias)), 'calls');
  if (options.json) {
    const { counters: _omitted, ...fields } = header;
    const json = { segment: segment.path, ...fields, counters, functions: rows };
    return JSON.stringify(json, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2) + '\n';
  }
  const dropped = Object.entries(counters).filter(([name, value]) => value && !name.startsWith('threads'));
  return [
    `pid ${header.pid}  segment ${segment.path}  layout v${header.version}`,
    `mode ${header.mode}  threads ${counters.threadsAttached} seen, ${counters.threadsExited} exited  functions ${header.functionCount}/${header.functionCapacity}`,
    `clock ${describeClock(header)}`,
    dropped.length ? `dropped/repaired: ${dropped.map(([name, value]) => `${name} ${value}`).join(', ')}` : 'nothing dropped',
    '',
    formatReportTable(rows.filter((r: ReportRow) => r.calls > 0), options.limit),
  ].join('\n');
}

function resolverFor(pid: number, loadBias: bigint): NameResolver | undefined {
  try {
    return executableResolver(readlinkSync(`/proc/${pid}/exe`), Number(loadBias));
  } catch {
    return undefined; // names are a convenience: without them the table shows addresses
  }
}
