import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseBudget, type Budget } from '../../fperf/budget.js';
import { backendPreference, BACKEND_ENV } from '../../fperf/counter-backend.js';
import { checkEventSet, defaultEventsFor, eventsForRun } from '../../fperf/event-check.js';
import { loadEventCatalog, type EventCatalog } from '../../fperf/event-catalog.js';
import { eventListing } from '../../fperf/event-listing.js';
import { canonicalEventNames, eventSetError, splitEventList, type DefaultEventSet } from '../../fperf/event-selection.js';
import { parseRule, type MonitoringRule } from '../../fperf/monitoring-rules.js';
import { profileProgram } from '../../fperf/profile-program.js';
import { buildReport, type FperfReport } from '../../fperf/profile-report.js';
import { profileProcess, type ProfileRequest } from '../../fperf/profile-session.js';
import { stageFile } from '../../util/atomic-write.js';
import { parseDuration } from '../../util/parse-duration.js';
import { parseCount, parsePid } from '../../util/parse-numbers.js';
import { asUsageError, UsageError, UserError } from '../../util/user-error.js';
import { formatProfileReport } from '../fperf-profile-report.js';
import { formatEventCheck, formatEventListing } from '../fperf-report.js';
import { checkOutputPath } from '../output-path.js';
import { parsedOption } from '../parsed-option.js';

interface FperfFlags {
  listEvents?: boolean;
  /** true when given without a list */
  checkEvents?: string | true;
  events?: string;
  counters?: string;
  all?: boolean;
  json?: boolean;
  budget: Budget;
  interval: number;
  duration?: number;
  fn?: string[];
  when: string[];
  watchTimeout?: number;
  output?: string;
  baseline: boolean;
  probes?: string[];
  limit: number;
}

/** A --duration default for a running process; a program started here is profiled to its end. */
const DEFAULT_PID_DURATION_MS = 30_000;

type FperfMode = 'list-events' | 'check-events' | 'profile';

export function registerFperf(program: Command): void {
  program
    .command('fperf')
    .description('Function-level counter profiling (PAPI, or perf_event_open directly) under an overhead budget')
    .argument('[target...]', 'pid of a running process, or -- program and its arguments (profiling mode)')
    .option('--list-events', 'list the events this machine can count, grouped, with the backend that counts each, and the default set')
    .option('--check-events [events]', 'validate an event set (comma-separated; default: --events, else the default set)')
    .option('-e, --events <events>', 'events to count, comma-separated (default: chosen from what is available)')
    .option('--counters <backend>', `who counts: auto (PAPI where it can, else the kernel directly), papi, kernel (default: $${BACKEND_ENV}, else auto)`)
    .option('--all', 'with --list-events: also the events that cannot be counted here, and why')
    .addOption(
      parsedOption('--budget <percent>', "overhead budget, a percentage of the target's CPU time, or none", parseBudget).default(
        parseBudget('5%'),
        '5%',
      ),
    )
    .addOption(parsedOption('--interval <time>', 'quota refill interval', positiveDuration).default(100, '100ms'))
    .addOption(parsedOption('--duration <time>', 'how long to profile (default: 30s for a pid; the whole run for -- prog)', positiveDuration))
    .option('--fn <glob...>', 'functions to profile (default: every probe)')
    .option('--when <rule>', "profile only once this rule fires, e.g. 'fn=handle_get latency>2ms' (repeatable: any fires)", collect, [])
    .addOption(parsedOption('--watch-timeout <time>', 'with --when: give up waiting after this long', positiveDuration))
    .option('--no-baseline', 'with -- prog: do not run the program a second time without FPerf to measure the overhead')
    .option('--probes <file...>', 'probe lists to use (default: <binary>.probes.json next to each mapped binary)')
    .addOption(parsedOption('--limit <n>', 'functions shown in the text report', parseCount).default(30))
    .option('-o, --output <file>', 'also write the whole report as JSON')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Events are PAPI presets (PAPI_TOT_CYC) or native events (perf::TASK-CLOCK); case and the
pmu:: prefix may be left out when the name is unambiguous (task-clock). The kernel's generic
events (perf::TASK-CLOCK, perf::PAGE-FAULTS, perf::CYCLES, ...) are counted by PAPI where its
perf_event component is active, else by iprobe through perf_event_open directly: PAPI disables
that component on CPUs its libpfm4 does not know. --list-events says which backend counts what.

Profiling: the probes (all, or --fn) go on in fperf mode; every --interval the
quotas are refilled so that sampling costs at most --budget of the target's CPU
time (a leaky bucket; least-sampled functions first; a function never sampled
gets one sample regardless). Rules for --when: conditions joined by spaces must
all hold in one interval (for=N: N intervals in a row); metrics latency and
calls need fn=GLOB, cpu does not. See docs/fperf.md.

Examples:
  iprobe fperf 4242 --budget 2% --duration 10s
  iprobe fperf --budget 5% -o report.json -- ./server --port 8080
  iprobe fperf 4242 --when 'fn=handle_get latency>2ms' --duration 5s
  iprobe fperf --list-events --all
  iprobe fperf --check-events                      validate the default event set and time one read
  iprobe fperf --check-events PAPI_TOT_CYC,PAPI_L1_DCM`,
    )
    .action(async (target: string[], flags: FperfFlags) => {
      // every argument is checked, whatever the mode, before the counters or the process are touched
      const mode = modeOf(target, flags);
      const rules = flags.when.map((text) => asUsageError(() => parseRule(text)));
      if (flags.watchTimeout !== undefined && rules.length === 0) throw new UsageError('--watch-timeout goes with --when');
      if (mode === 'list-events') return listEvents(flags);
      if (mode === 'check-events') return checkEvents(flags);
      return profile(target, rules, flags);
    });
}

function modeOf(target: string[], flags: FperfFlags): FperfMode {
  const modes: FperfMode[] = [];
  if (flags.listEvents) modes.push('list-events');
  if (flags.checkEvents !== undefined) modes.push('check-events');
  if (modes.length > 1) throw new UsageError('--list-events and --check-events cannot be combined');
  const mode = modes[0] ?? 'profile';
  if (mode !== 'profile' && target.length) {
    throw new UsageError(`--${mode} takes no target (got '${target.join(' ')}')`, `run profiling and --${mode} separately`);
  }
  if (flags.all && mode !== 'list-events') throw new UsageError('--all only applies to --list-events');
  return mode;
}

function listEvents(flags: FperfFlags): void {
  const catalog = loadEventCatalog(backendPreference(flags.counters));
  const listing = eventListing(catalog, defaultOrError(catalog), flags.all ?? false);
  process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : formatEventListing(listing));
}

function defaultOrError(catalog: EventCatalog): DefaultEventSet | { error: string } {
  try {
    return defaultEventsFor(catalog);
  } catch (err) {
    if (err instanceof UserError) return { error: err.message };
    throw err;
  }
}

function checkEvents(flags: FperfFlags): void {
  const catalog = loadEventCatalog(backendPreference(flags.counters));
  const spec = typeof flags.checkEvents === 'string' ? flags.checkEvents : flags.events;
  const defaultEvents = spec === undefined ? defaultEventsFor(catalog) : undefined;
  // Names the catalogue does not know go to the backend as given: PAPI also
  // accepts unit masks ("perf::TASK-CLOCK:u"), and its error is the answer.
  const events = defaultEvents?.events ?? canonicalEventNames(splitEventList(spec!), catalog);
  const report = checkEventSet(events, catalog, defaultEvents);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatEventCheck(report));
  if (!report.check.ok) throw eventSetError(report.check, catalog);
}

function positiveDuration(text: string, option: string): number {
  return parseDuration(text, option, { positive: true });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function profile(target: string[], rules: MonitoringRule[], flags: FperfFlags): Promise<void> {
  if (target.length === 0) {
    throw new UsageError('say what to profile: a pid, or -- program args', 'iprobe fperf 4242, or iprobe fperf -- ./prog args');
  }
  const isPid = target.length === 1 && /^[0-9]+$/.test(target[0]!) && !process.argv.includes('--');
  const pid = isPid ? parsePid(target[0]!) : undefined;
  if (flags.output) checkOutputPath(flags.output, '--output');
  const preference = backendPreference(flags.counters);
  const { events, backend } = eventsForRun(flags.events, loadEventCatalog(preference));
  const request: Omit<ProfileRequest, 'pid'> = {
    events,
    backend,
    budget: flags.budget,
    intervalMs: Math.max(10, flags.interval),
    durationMs: flags.duration ?? (isPid ? DEFAULT_PID_DURATION_MS : Infinity),
    functions: flags.fn ?? [],
    probeLists: flags.probes,
    rules,
    watchTimeoutMs: flags.watchTimeout,
    log: flags.json ? undefined : (line) => process.stderr.write(`iprobe: ${line}\n`),
  };
  let report: FperfReport;
  if (pid !== undefined) {
    report = buildReport(await profileProcess({ ...request, pid }));
  } else {
    const runs = await profileProgram(target, request, { baseline: flags.baseline, stdoutToStderr: flags.json });
    report = buildReport(runs.result, runs);
    process.exitCode = runs.exitCode;
  }
  if (flags.output) {
    const staged = await stageFile(flags.output, 0o644, (tmp) => writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`));
    await staged.commit();
  }
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatProfileReport(report, flags.limit));
}
