/**
 * Which events FPerf counts, and with which backend: the default set, chosen
 * from what this machine can count, and the user's `--events` list, resolved
 * against the catalogue with errors that name the events that are
 * available. Pure: the catalogue and the validation of a set come from the
 * caller.
 */
import type { KernelEvent } from '../native/kernel-counters.js';
import type { EventSetCheck } from '../native/papi.js';
import { UserError } from '../util/user-error.js';
import type { BackendPreference, CounterBackend } from './counter-backend.js';

export interface KnownEvent {
  name: string;
  kind: 'preset' | 'native';
  available: boolean;
  reason?: string;
  /** Aliases of one event share it (perf::CS, perf::CONTEXT-SWITCHES). */
  description?: string;
  /** Who counts it; PAPI when absent. */
  backend?: CounterBackend;
}

export interface EventAvailability {
  events: readonly KnownEvent[];
  hardware?: { virtualized: boolean; virtualVendor: string };
}

export type DefaultTier = 'hardware-presets' | 'generic-hardware' | 'software';

export interface DefaultEventSet {
  tier: DefaultTier;
  events: string[];
  backend: CounterBackend;
  /** One line for the operator: why these events. */
  reason: string;
}

export interface EventTier {
  tier: DefaultTier;
  /** Best first; the default set is the available ones among them. */
  events: readonly string[];
  /** The tier is used only if one of these is available. */
  needsOneOf: readonly string[];
}

export const DEFAULT_TIERS: readonly EventTier[] = [
  {
    tier: 'hardware-presets',
    events: ['PAPI_TOT_CYC', 'PAPI_TOT_INS', 'PAPI_L1_DCM'],
    needsOneOf: ['PAPI_TOT_CYC', 'PAPI_TOT_INS'],
  },
  {
    // The kernel's generic hardware events: what works when the CPU has a PMU
    // but this PAPI release has no preset table for it.
    tier: 'generic-hardware',
    events: ['perf::CYCLES', 'perf::INSTRUCTIONS', 'perf::L1-DCACHE-LOAD-MISSES'],
    needsOneOf: ['perf::CYCLES', 'perf::INSTRUCTIONS'],
  },
  {
    tier: 'software',
    events: ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'],
    needsOneOf: ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'],
  },
];

const LIST_EVENTS = 'iprobe fperf --list-events';
const SUGGESTIONS_SHOWN = 10;
const LENGTH_PENALTY = 0.02;

/**
 * The default event set: the first tier whose available events pass
 * `validate` (which returns the backend's error for a set, or undefined when
 * it counts). Without `validate`, the first tier with available events.
 */
export function chooseDefaultEvents(
  catalog: EventAvailability,
  validate: (events: string[], backend: CounterBackend) => string | undefined = () => undefined,
): DefaultEventSet {
  const available = new Set(catalog.events.filter((e) => e.available).map((e) => e.name));
  const rejected: string[] = [];
  for (const { tier, events: preferred, needsOneOf } of DEFAULT_TIERS) {
    if (!needsOneOf.some((e) => available.has(e))) continue;
    const events = preferred.filter((e) => available.has(e));
    const backend = eventSetBackend(events, catalog);
    const error = validate(events, backend);
    if (error !== undefined) {
      rejected.push(`${events.join(', ')} cannot be counted together (${error})`);
      continue;
    }
    const missing = preferred.filter((e) => !available.has(e));
    const reason = [...rejected, tierReason(tier, catalog)].join('; ');
    return { tier, events, backend, reason: missing.length ? `${reason} (not available: ${missing.join(', ')})` : reason };
  }
  throw new UserError(
    rejected.length ? `no default event set can be counted here: ${rejected.join('; ')}` : 'no event can be counted here',
    'perf_event_open may be refused: see /proc/sys/kernel/perf_event_paranoid and any seccomp profile; ' +
      `${LIST_EVENTS} --all says why each event fails`,
  );
}

function tierReason(tier: DefaultTier, catalog: EventAvailability): string {
  if (tier === 'hardware-presets') return 'hardware PMU: using PAPI presets';
  const availableIn = (t: DefaultTier) =>
    catalog.events.some((e) => e.available && DEFAULT_TIERS.find((d) => d.tier === t)!.needsOneOf.includes(e.name));
  if (tier === 'generic-hardware') {
    return availableIn('hardware-presets')
      ? "using the kernel's generic hardware events"
      : "hardware PMU, but this PAPI has no presets for the CPU: using the kernel's generic hardware events";
  }
  if (availableIn('hardware-presets') || availableIn('generic-hardware')) return 'using software events';
  const vm = catalog.hardware?.virtualized ? ` (${catalog.hardware.virtualVendor || 'a'} virtual machine)` : '';
  return `no hardware PMU${vm}: using software events`;
}

/** Splits "A, B,C" into names; refuses empty names. */
export function splitEventList(spec: string): string[] {
  const names = spec.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) {
    throw new UserError(`empty event name in '${spec}'`, 'give events as NAME,NAME,... with no empty entries');
  }
  return names;
}

type Resolution =
  | { kind: 'found'; event: KnownEvent; name: string }
  | { kind: 'ambiguous'; candidates: KnownEvent[] }
  | { kind: 'unknown' };

interface NameParts {
  pmu: string;
  base: string;
  /** ":u", ":period=1000", ... as given */
  modifiers: string;
}

function nameParts(name: string): NameParts {
  const sep = name.indexOf('::');
  const pmu = sep >= 0 ? name.slice(0, sep) : '';
  const rest = sep >= 0 ? name.slice(sep + 2) : name;
  const colon = rest.indexOf(':');
  return colon >= 0
    ? { pmu, base: rest.slice(0, colon), modifiers: rest.slice(colon) }
    : { pmu, base: rest, modifiers: '' };
}

/**
 * Finds the catalogue event a user means: the exact name, or the same name
 * ignoring case and, for native events, the "pmu::" prefix; modifiers after
 * the event name (":u") are kept for PAPI to judge.
 */
export function resolveEventName(query: string, events: readonly KnownEvent[]): Resolution {
  const exact = events.find((e) => e.name === query);
  if (exact) return { kind: 'found', event: exact, name: exact.name };
  const q = nameParts(query.toLowerCase());
  const candidates = events.filter((e) => {
    const p = nameParts(e.name.toLowerCase());
    return p.base === q.base && (q.pmu === '' || p.pmu === q.pmu);
  });
  const pick = candidates.length > 1 ? candidates.filter((e) => e.available) : candidates;
  if (pick.length === 1) return { kind: 'found', event: pick[0]!, name: pick[0]!.name + nameParts(query).modifiers };
  return candidates.length ? { kind: 'ambiguous', candidates } : { kind: 'unknown' };
}

/** Resolves an `--events` list to canonical names, or throws a UserError naming the available events. */
export function parseEventList(spec: string, catalog: EventAvailability): string[] {
  const out: string[] = [];
  for (const query of splitEventList(spec)) {
    const r = resolveEventName(query, catalog.events);
    if (r.kind === 'unknown') throw new UserError(`unknown event '${query}'`, availableEventsHint(catalog, [query]));
    if (r.kind === 'ambiguous') {
      throw new UserError(
        `event '${query}' is ambiguous: ${r.candidates.map((e) => e.name).join(', ')}`,
        'give the full name, with its pmu:: prefix',
      );
    }
    if (!r.event.available) {
      throw new UserError(
        `${r.event.name} cannot be counted here: ${r.event.reason ?? 'unavailable'}`,
        availableEventsHint(catalog, [query]),
      );
    }
    if (out.includes(r.name)) throw new UserError(`event ${r.name} is listed twice in '${spec}'`);
    out.push(r.name);
  }
  return out;
}

/** Canonical names where the catalogue knows the event; other names unchanged, for PAPI to judge. */
export function canonicalEventNames(names: readonly string[], catalog: EventAvailability): string[] {
  return names.map((n) => {
    const r = resolveEventName(n, catalog.events);
    return r.kind === 'found' ? r.name : n;
  });
}

/** The UserError for an event set that PAPI refused, naming what failed and what is available. */
export function eventSetError(check: EventSetCheck, catalog: EventAvailability): UserError {
  const failed = check.events.filter((e) => !e.ok);
  const message = failed.length
    ? `${failed.length} of ${check.events.length} events cannot be counted here: ${failed.map((e) => `${e.name} (${e.error})`).join(', ')}`
    : `the event set cannot be counted here: ${check.error ?? 'no events'}`;
  return new UserError(message, availableEventsHint(catalog, failed.map((e) => e.name)));
}

/** "available here, closest first: A, B, ... (+N more: iprobe fperf --list-events)" */
export function availableEventsHint(catalog: EventAvailability, queries: readonly string[]): string {
  const available = catalog.events.filter((e) => e.available);
  if (available.length === 0) return `no event can be counted here; ${LIST_EVENTS} --all says why`;
  const ranked = withoutAliases(rankByCloseness(queries, available.map((e) => e.name)), available);
  const shown = ranked.slice(0, SUGGESTIONS_SHOWN).join(', ');
  const more = ranked.length - SUGGESTIONS_SHOWN;
  return `available here${queries.length ? ', closest first' : ''}: ${shown}${more > 0 ? ` (+${more} more: ${LIST_EVENTS})` : ''}`;
}

/** `ranked` keeping the first name of each group of aliases (same kind and description). */
function withoutAliases(ranked: readonly string[], events: readonly KnownEvent[]): string[] {
  const groupOf = new Map(events.map((e) => [e.name, e.description ? `${e.kind}\0${e.description}` : `\0${e.name}`]));
  const seen = new Set<string>();
  return ranked.filter((name) => {
    const group = groupOf.get(name) ?? name;
    if (seen.has(group)) return false;
    seen.add(group);
    return true;
  });
}

/**
 * `names` ordered by their distance to the nearest query, with a small
 * penalty per character so that of two aliases the shorter one ranks first.
 */
export function rankByCloseness(queries: readonly string[], names: readonly string[]): string[] {
  const score = (name: string) =>
    (queries.length ? Math.min(...queries.map((q) => nameDistance(q, name))) : 0) + LENGTH_PENALTY * name.length;
  return names
    .map((name, index) => ({ name, index, score: score(name) }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .map((r) => r.name);
}

/**
 * Edit distance of the event names proper (no pmu:: prefix, no modifiers),
 * relative to their length so that short names are not closer by default;
 * containment halves it.
 */
function nameDistance(query: string, name: string): number {
  const q = nameParts(query.toLowerCase()).base;
  const n = nameParts(name.toLowerCase()).base;
  const d = editDistance(q, n) / Math.max(q.length, n.length, 1);
  return q && n && (q.includes(n) || n.includes(q)) ? d / 2 : d;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The events FPerf can be asked for under a backend preference, each with
 * the backend that counts it: PAPI's or the kernel's (by every spelling
 * libpfm4 accepts) when forced; for auto, PAPI's where PAPI can count them
 * and the kernel's for the rest, so a name means one event.
 */
export function servedEvents(
  papi: readonly KnownEvent[],
  kernel: readonly KernelEvent[],
  preference: BackendPreference,
): KnownEvent[] {
  const papiKnown = papi.map((e): KnownEvent => ({ ...e, backend: 'papi' }));
  const kernelKnown = kernel.flatMap((e) =>
    [e.name, ...e.aliases].map(
      (name): KnownEvent => ({
        name,
        kind: 'native',
        available: e.available,
        description: e.description,
        backend: 'kernel',
        ...(e.available ? {} : { reason: e.reason ?? 'cannot be opened' }),
      }),
    ),
  );
  if (preference === 'papi') return papiKnown;
  if (preference === 'kernel') return kernelKnown;
  const key = (name: string) => name.toLowerCase();
  const papiCounts = new Set(papiKnown.filter((e) => e.available).map((e) => key(e.name)));
  const kernelNames = new Set(kernelKnown.map((e) => key(e.name)));
  return [
    ...papiKnown.filter((e) => e.available || !kernelNames.has(key(e.name))),
    ...kernelKnown.filter((e) => !papiCounts.has(key(e.name))),
  ];
}

/**
 * The backend that counts `names` (canonical or as given): the one of the
 * events the catalogue knows; for names it does not know, the backend that
 * counts anything here (PAPI first). A set split over both is refused.
 */
export function eventSetBackend(names: readonly string[], catalog: EventAvailability): CounterBackend {
  const byBackend = new Map<CounterBackend, string[]>();
  for (const name of names) {
    const r = resolveEventName(name, catalog.events);
    if (r.kind !== 'found') continue;
    const backend = r.event.backend ?? 'papi';
    byBackend.set(backend, [...(byBackend.get(backend) ?? []), r.name]);
  }
  if (byBackend.size === 1) return [...byBackend.keys()][0]!;
  if (byBackend.size === 0) {
    const counts = (b: CounterBackend) => catalog.events.some((e) => e.available && (e.backend ?? 'papi') === b);
    return counts('papi') || !counts('kernel') ? 'papi' : 'kernel';
  }
  throw new UserError(
    `FPerf counts one event set with one backend: ${byBackend.get('papi')!.join(', ')} ${byBackend.get('papi')!.length > 1 ? 'are' : 'is'} PAPI's, ` +
      `${byBackend.get('kernel')!.join(', ')} the kernel's`,
    `choose events of one backend (${LIST_EVENTS} says which counts each), or force one with --counters`,
  );
}
