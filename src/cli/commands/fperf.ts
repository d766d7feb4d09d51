import type { Command } from 'commander';
import { checkEventSet, defaultEventsFor } from '../../fperf/event-check.js';
import { loadEventCatalog, type EventCatalog } from '../../fperf/event-catalog.js';
import { eventListing } from '../../fperf/event-listing.js';
import { canonicalEventNames, eventSetError, splitEventList, type DefaultEventSet } from '../../fperf/event-selection.js';
import { UserError } from '../../util/user-error.js';
import { formatEventCheck, formatEventListing } from '../fperf-report.js';

interface FperfFlags {
  listEvents?: boolean;
  /** true when given without a list */
  checkEvents?: string | true;
  events?: string;
  all?: boolean;
  json?: boolean;
}

type FperfMode = 'list-events' | 'check-events' | 'profile';

export function registerFperf(program: Command): void {
  program
    .command('fperf')
    .description('Function-level hardware-event profiling under an overhead budget (PAPI)')
    .argument('[target...]', 'pid of a running process, or -- program and its arguments (profiling mode)')
    .option('--list-events', 'list the PAPI events this machine can count, grouped, and the default set')
    .option('--check-events [events]', 'validate an event set (comma-separated; default: --events, else the default set)')
    .option('-e, --events <events>', 'events to count, comma-separated (default: chosen from what is available)')
    .option('--all', 'with --list-events: also the events that cannot be counted here, and why')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Events are PAPI presets (PAPI_TOT_CYC) or native events (perf::TASK-CLOCK); case and the
pmu:: prefix may be left out when the name is unambiguous (task-clock).

Examples:
  iprobe fperf --list-events --all
  iprobe fperf --check-events                      validate the default event set and time one read
  iprobe fperf --check-events PAPI_TOT_CYC,PAPI_L1_DCM`,
    )
    .action((target: string[], flags: FperfFlags) => {
      const mode = modeOf(target, flags);
      if (mode === 'list-events') return listEvents(flags);
      if (mode === 'check-events') return checkEvents(flags);
      return profile(target, flags);
    });
}

function modeOf(target: string[], flags: FperfFlags): FperfMode {
  const modes: FperfMode[] = [];
  if (flags.listEvents) modes.push('list-events');
  if (flags.checkEvents !== undefined) modes.push('check-events');
  if (modes.length > 1) throw new UserError('--list-events and --check-events cannot be combined');
  const mode = modes[0] ?? 'profile';
  if (mode !== 'profile' && target.length) {
    throw new UserError(`--${mode} takes no target (got '${target.join(' ')}')`, `run profiling and --${mode} separately`);
  }
  if (flags.all && mode !== 'list-events') throw new UserError('--all only applies to --list-events');
  return mode;
}

function listEvents(flags: FperfFlags): void {
  const catalog = loadEventCatalog();
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
  const catalog = loadEventCatalog();
  const spec = typeof flags.checkEvents === 'string' ? flags.checkEvents : flags.events;
  const defaultEvents = spec === undefined ? defaultEventsFor(catalog) : undefined;
  // Names the catalogue does not know go to PAPI as given: it also accepts
  // modifiers and unit masks ("perf::TASK-CLOCK:u"), and its error is the answer.
  const events = defaultEvents?.events ?? canonicalEventNames(splitEventList(spec!), catalog);
  const report = checkEventSet(events, catalog, defaultEvents);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatEventCheck(report));
  if (!report.check.ok) throw eventSetError(report.check, catalog);
}

function profile(target: string[], _flags: FperfFlags): void {
  throw new UserError(
    `profiling mode not available yet${target.length ? ` (target '${target.join(' ')}')` : ''}`,
    'iprobe fperf --list-events and --check-events work now',
  );
}
