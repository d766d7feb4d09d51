/**
 * `iprobe trace`: switch probes on, collect the runtime's trace events while
 * the process keeps running, switch the probes off again, and hand back the
 * timelines. The probes are switched off even when the wait is cut short by
 * Ctrl-C or SIGTERM, and the runtime's mode is put back as it was.
 */
import { TraceCollector } from '../runtime/collector.js';
import type { RuntimeCounters } from '../runtime/layout.js';
import { RuntimeSegment } from '../runtime/segment.js';
import type { NameResolver } from '../runtime/symbols.js';
import { buildTimelines, type ThreadTimeline, type TimedEvent } from '../runtime/timeline.js';
import { probeListResolver } from './probe-names.js';
import { Interruption } from '../util/interruption.js';
import { ProbeSwitcher, type SwitchOutcome } from './probe-switch.js';
import type { AttachedRuntime } from './runtime-injection.js';
import type { SiteSelection } from './site-selection.js';

export interface TraceRequest {
  pid: number;
  selection: SiteSelection;
  durationMs: number;
  /** Events kept at most (default DEFAULT_MAX_TRACE_EVENTS); recording stops when reached. */
  maxEvents?: number;
  probeLists?: readonly string[];
  /** Called once the probes are on. */
  onStarted?: (outcome: SwitchOutcome, runtime: Pick<AttachedRuntime, 'origin' | 'injection'>) => void;
}

export interface TraceResult {
  timelines: ThreadTimeline[];
  events: number;
  counters: RuntimeCounters;
  resolve: NameResolver;
  switchedOn: SwitchOutcome;
  switchedOff: SwitchOutcome;
  /** How the runtime got into the process ('injected' with `injection` set: by this trace). */
  runtime: Pick<AttachedRuntime, 'origin' | 'injection'>;
  durationMs: number;
  interrupted: boolean;
  /** Recording stopped early because maxEvents were kept. */
  truncated: boolean;
}

/** About 20 MB of Chrome trace JSON, which ui.perfetto.dev opens quickly. */
export const DEFAULT_MAX_TRACE_EVENTS = 200_000;
/** Per thread and timer tick: ~0.1 s of decoding at worst for 64 threads. */
const EVENTS_PER_THREAD_PER_DRAIN = 4096;

export async function traceProcess(request: TraceRequest): Promise<TraceResult> {
  const { pid } = request;
  const switcher = await ProbeSwitcher.open(pid, request.probeLists);
  // A process started without the runtime gets it now, before its segment is opened.
  const attached = await switcher.attachRuntime();
  const runtime = { origin: attached.origin, injection: attached.injection };
  const segment = RuntimeSegment.open(pid);
  const previousMode = segment.mode();
  const restoredMode = previousMode === 'off' || previousMode === 'count' || previousMode === 'calls' ? previousMode : 'count';
  const collector = new TraceCollector(segment, {
    maxEvents: request.maxEvents ?? DEFAULT_MAX_TRACE_EVENTS,
    perThreadPerDrain: EVENTS_PER_THREAD_PER_DRAIN,
    // Enough kept: stop the program writing events nobody will read.
    onFull: () => segment.setMode(restoredMode),
  });
  let switchedOn: SwitchOutcome | undefined;
  let switchedOff: SwitchOutcome | undefined;
  let interrupted = false;
  let events: TimedEvent[];
  let counters: RuntimeCounters;
  let windowMs = 0;
  const started = Date.now();
  // Listening for the signals for the whole session also tells the ptrace
  // signal guard not to re-raise them: a Ctrl-C ends the wait, not iprobe.
  const interruption = new Interruption();
  try {
    // Events an earlier session left in the rings are not part of this trace.
    segment.drainRawEvents();
    // Probes on first, then the recording starts: the window sees every
    // selected function from its first event on.
    switchedOn = await switcher.switch(true, request.selection);
    segment.setMode('trace');
    collector.start();
    request.onStarted?.(switchedOn, runtime);
    interrupted = await interruption.sleep(request.durationMs);
  } finally {
    interruption.dispose();
    // Off first, then drain: events written until the last probe went off are kept.
    // Only what this session switched on goes off: probes that were on stay on.
    if (switchedOn) switchedOff = await switcher.switchSites(false, switchedOn.changedSites);
    windowMs = Date.now() - started;
    events = collector.stopTimed(segment.clock());
    segment.setMode(restoredMode);
    counters = segment.counters();
    segment.close();
  }
  return {
    timelines: buildTimelines(events),
    events: events.length,
    counters,
    resolve: probeListResolver(switcher.probed),
    switchedOn: switchedOn!,
    switchedOff: switchedOff!,
    runtime,
    durationMs: windowMs,
    interrupted,
    truncated: collector.full,
  };
}
