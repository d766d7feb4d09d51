import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { probeListResolver } from '../../hotpatch/probe-names.js';
import { processProbes } from '../../hotpatch/process-probes.js';
import { readChromeTrace } from '../../runtime/export/chrome-trace-reader.js';
import { toFoldedStacks } from '../../runtime/export/folded.js';
import {
  formatReportTable,
  reportFromStats,
  reportFromTimelines,
  sortReport,
  type ReportOrder,
  type ReportRow,
} from '../../runtime/export/report.js';
import { RuntimeSegment } from '../../runtime/segment.js';
import { describeFsError } from '../../util/fs-errors.js';
import { parseCount } from '../../util/parse-numbers.js';
import { UsageError } from '../../util/user-error.js';
import { parsedOption } from '../parsed-option.js';

interface ReportFlags {
  folded?: boolean;
  sort: ReportOrder;
  limit: number;
  json?: boolean;
  probes?: string[];
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Functions by calls, total and self time: from a running process (count mode; calls mode counts calls only) or a saved trace')
    .argument('<source>', 'a process id, or a trace file written by iprobe trace')
    .option('--folded', 'folded stacks for flame graphs (trace files only)')
    .option('--sort <key>', 'calls, total or self', 'total')
    .addOption(parsedOption('--limit <n>', 'rows to show', parseCount).default(30))
    .option('--probes <file...>', 'probe lists for names (default: next to each mapped binary)')
    .option('--json', 'rows as JSON')
    .action(async (source: string, flags: ReportFlags) => {
      if (!['calls', 'total', 'self'].includes(flags.sort)) throw new UsageError(`--sort: not a sort key: '${flags.sort}'`, 'use calls, total or self');
      if (/^[1-9][0-9]*$/.test(source)) {
        if (flags.folded) throw new UsageError('--folded needs call stacks: record them with iprobe trace, then report the trace file');
        const { rows, mode } = await reportForProcess(Number(source), flags.probes);
        if (mode === 'calls' && !flags.json) {
          process.stderr.write('iprobe: the runtime is in calls mode: calls are counted, times are not (times shown are from earlier count-mode periods)\n');
        }
        print(rows, flags);
        return;
      }
      let text: string;
      try {
        text = await readFile(source, 'utf8');
      } catch (err) {
        throw describeFsError(err, `cannot read ${source}`);
      }
      const saved = readChromeTrace(text, source);
      if (flags.folded) {
        process.stdout.write(toFoldedStacks(saved.timelines, { resolve: saved.resolve }));
        return;
      }
      print(reportFromTimelines(saved.timelines, saved.resolve), flags);
    });
}

async function reportForProcess(pid: number, probeLists?: string[]): Promise<{ rows: ReportRow[]; mode: string }> {
  const segment = RuntimeSegment.open(pid);
  try {
    const { probed } = await processProbes(pid, probeLists);
    return { rows: reportFromStats(segment.functionStats(), segment.clock(), probeListResolver(probed)), mode: segment.mode() };
  } finally {
    segment.close();
  }
}

function print(rows: ReportRow[], flags: ReportFlags): void {
  const sorted = sortReport(rows.filter((r) => r.calls > 0), flags.sort);
  if (flags.json) process.stdout.write(`${JSON.stringify(sorted, null, 2)}\n`);
  else process.stdout.write(formatReportTable(sorted, flags.limit));
}
