import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_MAX_TRACE_EVENTS, traceProcess } from '../../hotpatch/trace-session.js';
import { DEFAULT_KINDS } from '../../hotpatch/site-selection.js';
import { describeRuntime, injectionJson } from '../../hotpatch/runtime-description.js';
import { countSpans, toChromeTrace } from '../../runtime/export/chrome-trace.js';
import { stageFile } from '../../util/atomic-write.js';
import { parseDuration } from '../../util/parse-duration.js';
import { parseCount, parsePid } from '../../util/parse-numbers.js';
import { checkOutputPath } from '../output-path.js';
import { parsedOption } from '../parsed-option.js';

interface TraceFlags {
  fn?: string[];
  duration: number;
  output?: string;
  probes?: string[];
  json?: boolean;
  maxEvents: number;
}

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description('Trace a running process: switch probes on, record, switch them off, write a Chrome/Perfetto trace')
    .argument('<pid>', 'process to trace (the iprobe runtime is injected if it was not preloaded)', (text: string) => parsePid(text))
    .option('--fn <glob...>', 'functions (or IPROBE_POINT names) to trace (default: all)')
    .addOption(
      parsedOption('--duration <time>', 'how long to record, e.g. 10s, 500ms (Ctrl-C ends it early)', (text, option) =>
        parseDuration(text, option, { positive: true }),
      ).default(10_000, '10s'),
    )
    .option('-o, --output <file>', 'trace file to write (default: trace-<pid>.json)')
    .addOption(parsedOption('--max-events <n>', 'stop recording after this many events', parseCount).default(DEFAULT_MAX_TRACE_EVENTS))
    .option('--probes <file...>', 'probe lists to use (default: <binary>.probes.json next to each mapped binary)')
    .option('--json', 'print a machine-readable summary')
    .addHelpText('after', '\nOpen the trace in https://ui.perfetto.dev or chrome://tracing; summarise it with iprobe report <file>.')
    .action(async (pid: number, flags: TraceFlags) => {
      const output = flags.output ?? `trace-${pid}.json`;
      checkOutputPath(output, '--output');
      const all = !flags.fn?.length;
      const result = await traceProcess({
        pid,
        selection: { functions: flags.fn ?? [], all, kinds: DEFAULT_KINDS },
        durationMs: flags.duration,
        maxEvents: flags.maxEvents,
        probeLists: flags.probes,
        onStarted: (on, runtime) => {
          if (!flags.json) {
            process.stderr.write(`iprobe: ${describeRuntime(pid, runtime.origin, runtime.injection)}\n`);
            process.stderr.write(
              `iprobe: tracing ${on.changed + on.unchanged} probes in ${on.functions.length} functions of process ${pid} for ${flags.duration / 1000} s (Ctrl-C to stop)\n`,
            );
          }
        },
      });
      const trace = toChromeTrace(result.timelines, {
        pid,
        resolve: result.resolve,
        otherData: { durationMs: result.durationMs, events: result.events },
      });
      const staged = await stageFile(output, 0o644, (tmp) => writeFile(tmp, JSON.stringify(trace)));
      await staged.commit();
      const summary = {
        output,
        pid,
        events: result.events,
        spans: countSpans(result.timelines),
        threads: result.timelines.length,
        durationMs: result.durationMs,
        interrupted: result.interrupted,
        truncated: result.truncated,
        runtime: result.runtime.origin,
        injection: injectionJson(result.runtime.injection),
        dropped: result.counters,
        stopWindowMs: {
          on: (result.switchedOn.patch?.stopWindowNs ?? 0) / 1e6,
          off: (result.switchedOff.patch?.stopWindowNs ?? 0) / 1e6,
        },
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        process.stdout.write(
          `wrote ${output}: ${summary.spans} calls in ${summary.threads} threads over ${(summary.durationMs / 1000).toFixed(1)} s` +
            ` (stop windows ${summary.stopWindowMs.on.toFixed(3)} / ${summary.stopWindowMs.off.toFixed(3)} ms)\n`,
        );
        if (result.truncated) {
          process.stdout.write(
            `  recording stopped after ${result.events} events (--max-events); trace fewer functions with --fn for a longer window\n`,
          );
        }
      }
    });
}
