/** Default event set and --events resolution, on synthetic catalogues: a machine with a PMU and one without. */
import { describe, expect, test } from 'vitest';
import type { KernelEvent } from '../../src/native/kernel-counters.js';
import {
  availableEventsHint,
  canonicalEventNames,
  chooseDefaultEvents,
  eventSetBackend,
  eventSetError,
  servedEvents,
  parseEventList,
  rankByCloseness,
  resolveEventName,
  splitEventList,
  type EventAvailability,
  type KnownEvent,
} from '../../src/fperf/event-selection.js';
import { withoutAttach } from '../../src/fperf/event-catalog.js';
import { UserError } from '../../src/util/user-error.js';

const preset = (name: string, available: boolean): KnownEvent => ({
  name,
  kind: 'preset',
  available,
  ...(available ? {} : { reason: 'no native events for it on this CPU' }),
});
const native = (name: string, available: boolean, description = name): KnownEvent => ({
  name,
  kind: 'native',
  available,
  description,
  ...(available ? {} : { reason: 'Event does not exist' }),
});

const SOFTWARE = [
  native('perf::PERF_COUNT_SW_TASK_CLOCK', true, 'PERF_COUNT_SW_TASK_CLOCK'),
  native('perf::TASK-CLOCK', true, 'PERF_COUNT_SW_TASK_CLOCK'),
  native('perf::PAGE-FAULTS', true, 'PERF_COUNT_SW_PAGE_FAULTS'),
  native('perf::FAULTS', true, 'PERF_COUNT_SW_PAGE_FAULTS'),
  native('perf::CONTEXT-SWITCHES', true, 'PERF_COUNT_SW_CONTEXT_SWITCHES'),
  native('perf::CS', true, 'PERF_COUNT_SW_CONTEXT_SWITCHES'),
  native('perf::CPU-MIGRATIONS', true, 'PERF_COUNT_SW_CPU_MIGRATIONS'),
];

/** This VM: presets known but unmapped, the kernel's hardware events refused. */
const noPmu: EventAvailability = {
  hardware: { virtualized: true, virtualVendor: 'KVMKVMKVM' },
  events: [
    preset('PAPI_TOT_CYC', false),
    preset('PAPI_TOT_INS', false),
    preset('PAPI_L1_DCM', false),
    native('perf::CYCLES', false),
    native('perf::INSTRUCTIONS', false),
    ...SOFTWARE,
  ],
};

const withPmu = (presets: Record<string, boolean>): EventAvailability => ({
  hardware: { virtualized: false, virtualVendor: '' },
  events: [
    ...Object.entries(presets).map(([name, available]) => preset(name, available)),
    native('perf::CYCLES', true),
    native('perf::INSTRUCTIONS', true),
    native('perf::L1-DCACHE-LOAD-MISSES', true),
    ...SOFTWARE,
  ],
});

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('chooseDefaultEvents', () => {
  test('with a PMU and presets: cycles, instructions, L1 data cache misses', () => {
    const d = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: true, PAPI_TOT_INS: true, PAPI_L1_DCM: true }));
    expect(d).toEqual({
      tier: 'hardware-presets',
      events: ['PAPI_TOT_CYC', 'PAPI_TOT_INS', 'PAPI_L1_DCM'],
      backend: 'papi',
      reason: 'hardware PMU: using PAPI presets',
    });
  });

  test('a missing preset is left out and named', () => {
    const d = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: true, PAPI_TOT_INS: true, PAPI_L1_DCM: false }));
    expect(d.events).toEqual(['PAPI_TOT_CYC', 'PAPI_TOT_INS']);
    expect(d.reason).toBe('hardware PMU: using PAPI presets (not available: PAPI_L1_DCM)');
  });

  test('L1 misses alone do not make a hardware default', () => {
    const d = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: false, PAPI_TOT_INS: false, PAPI_L1_DCM: true }));
    expect(d.tier).toBe('generic-hardware');
  });

  test('a PMU without PAPI presets for the CPU: the kernel generic hardware events', () => {
    const d = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: false, PAPI_TOT_INS: false }));
    expect(d.tier).toBe('generic-hardware');
    expect(d.events).toEqual(['perf::CYCLES', 'perf::INSTRUCTIONS', 'perf::L1-DCACHE-LOAD-MISSES']);
    expect(d.reason).toMatch(/no presets for the CPU/);
  });

  test('no PMU: the software events, saying why', () => {
    const d = chooseDefaultEvents(noPmu);
    expect(d).toEqual({
      tier: 'software',
      events: ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'],
      backend: 'papi',
      reason: 'no hardware PMU (KVMKVMKVM virtual machine): using software events',
    });
    expect(chooseDefaultEvents({ events: noPmu.events }).reason).toBe('no hardware PMU: using software events');
  });

  test('a tier whose set does not validate gives way to the next, with the error in the reason', () => {
    const tried: string[][] = [];
    const d = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: true, PAPI_TOT_INS: true, PAPI_L1_DCM: true }), (events) => {
      tried.push(events);
      return events[0]!.startsWith('perf::TASK') ? undefined : 'Event exists, but cannot be counted due to hardware resource limits';
    });
    expect(tried.map((t) => t[0])).toEqual(['PAPI_TOT_CYC', 'perf::CYCLES', 'perf::TASK-CLOCK']);
    expect(d.tier).toBe('software');
    expect(d.reason).toMatch(/^PAPI_TOT_CYC, PAPI_TOT_INS, PAPI_L1_DCM cannot be counted together \(Event exists.*limits\); perf::CYCLES.*; using software events$/);

    const generic = chooseDefaultEvents(withPmu({ PAPI_TOT_CYC: true, PAPI_TOT_INS: true }), (events) =>
      events[0] === 'PAPI_TOT_CYC' ? 'refused' : undefined,
    );
    expect(generic.reason).toBe(
      "PAPI_TOT_CYC, PAPI_TOT_INS cannot be counted together (refused); using the kernel's generic hardware events",
    );
  });

  test('nothing countable: a UserError with a hint', () => {
    const e = userError(() => chooseDefaultEvents({ events: noPmu.events.map((x) => ({ ...x, available: false })) }));
    expect(e.message).toBe('no event can be counted here');
    expect(e.hint).toMatch(/perf_event_paranoid/);
  });
});

describe('--events', () => {
  test('splitting refuses empty names', () => {
    expect(splitEventList(' a, b ,c')).toEqual(['a', 'b', 'c']);
    expect(userError(() => splitEventList('a,,b')).message).toBe("empty event name in 'a,,b'");
    expect(() => splitEventList('')).toThrow(UserError);
  });

  test('exact names, any case, without the pmu:: prefix, with modifiers kept', () => {
    expect(parseEventList('perf::TASK-CLOCK,page-faults,perf::cs:u', noPmu)).toEqual([
      'perf::TASK-CLOCK',
      'perf::PAGE-FAULTS',
      'perf::CS:u',
    ]);
    expect(parseEventList('papi_tot_cyc', withPmu({ PAPI_TOT_CYC: true }))).toEqual(['PAPI_TOT_CYC']);
  });

  test('an unavailable event: why, and the available events', () => {
    const e = userError(() => parseEventList('perf::TASK-CLOCK,PAPI_TOT_CYC', noPmu));
    expect(e.message).toBe('PAPI_TOT_CYC cannot be counted here: no native events for it on this CPU');
    expect(e.hint).toMatch(/^available here, closest first: perf::/);
    expect(e.hint).not.toMatch(/PAPI_TOT_CYC|perf::CYCLES/);
  });

  test('an unknown event: the closest available ones first, one name per aliased event', () => {
    const e = userError(() => parseEventList('page-fault', noPmu));
    expect(e.message).toBe("unknown event 'page-fault'");
    const names = e.hint!.replace('available here, closest first: ', '').split(', ');
    expect(names[0]).toBe('perf::PAGE-FAULTS');
    // One name per event: the shortest alias unless another is closer to what was typed.
    expect([...names].sort()).toEqual(['perf::CPU-MIGRATIONS', 'perf::CS', 'perf::PAGE-FAULTS', 'perf::TASK-CLOCK']);
  });

  test('a name listed twice, even under two spellings', () => {
    expect(userError(() => parseEventList('task-clock,perf::TASK-CLOCK', noPmu)).message).toMatch(/listed twice/);
  });

  test('an ambiguous short name', () => {
    const catalog: EventAvailability = { events: [native('perf::CYCLES', true), native('amd64::CYCLES', true)] };
    const e = userError(() => parseEventList('cycles', catalog));
    expect(e.message).toBe("event 'cycles' is ambiguous: perf::CYCLES, amd64::CYCLES");
    expect(parseEventList('amd64::cycles', catalog)).toEqual(['amd64::CYCLES']);
  });

  test('of two same-named events, the available one', () => {
    const catalog: EventAvailability = { events: [native('perf::CYCLES', false), native('amd64::CYCLES', true)] };
    expect(resolveEventName('CYCLES', catalog.events)).toMatchObject({ kind: 'found', name: 'amd64::CYCLES' });
  });

  test('canonical names where known, others as given (for PAPI to judge)', () => {
    expect(canonicalEventNames(['task-clock', 'perf::TASK-CLOCK:u=1', 'bogus'], noPmu)).toEqual([
      'perf::TASK-CLOCK',
      'perf::TASK-CLOCK:u=1',
      'bogus',
    ]);
  });
});

describe('suggestions', () => {
  test('closeness ranks containment and small edits first', () => {
    expect(rankByCloseness(['migrations'], ['perf::TASK-CLOCK', 'perf::CPU-MIGRATIONS', 'perf::CS'])[0]).toBe('perf::CPU-MIGRATIONS');
    expect(rankByCloseness(['TASK-CLOK'], ['perf::PAGE-FAULTS', 'perf::TASK-CLOCK'])[0]).toBe('perf::TASK-CLOCK');
  });

  test('the hint is capped, and says when nothing is available', () => {
    const many: EventAvailability = { events: Array.from({ length: 15 }, (_, i) => native(`perf::E${i}`, true)) };
    expect(availableEventsHint(many, ['x'])).toMatch(/\(\+5 more: iprobe fperf --list-events\)$/);
    expect(availableEventsHint({ events: [native('perf::CYCLES', false)] }, ['x'])).toBe(
      'no event can be counted here; iprobe fperf --list-events --all says why',
    );
  });

  test('a refused set names each failing event with its PAPI error', () => {
    const e = eventSetError(
      {
        ok: false,
        error: 'not started: PAPI_TOT_CYC: Event does not exist',
        events: [
          { name: 'perf::TASK-CLOCK', ok: true },
          { name: 'PAPI_TOT_CYC', ok: false, error: 'Event does not exist' },
        ],
        values: [],
      },
      noPmu,
    );
    expect(e.message).toBe('1 of 2 events cannot be counted here: PAPI_TOT_CYC (Event does not exist)');
    expect(e.hint).toMatch(/^available here, closest first: .*perf::TASK-CLOCK/);
    expect(e.hint).not.toMatch(/PAPI_|CYCLES|INSTRUCTIONS/);
  });
});

describe('backends', () => {
  const kernelEvent = (name: string, available: boolean, aliases: string[] = []): KernelEvent => ({
    name,
    aliases,
    description: name,
    hardware: !/CLOCK|FAULTS|SWITCHES/.test(name),
    available,
    ...(available ? {} : { reason: 'No such file or directory (no PMU counts this event here)' }),
  });
  /** As perf_event_open answers in this VM. */
  const KERNEL = [
    kernelEvent('perf::CYCLES', false, ['perf::CPU-CYCLES']),
    kernelEvent('perf::TASK-CLOCK', true),
    kernelEvent('perf::PAGE-FAULTS', true, ['perf::FAULTS']),
    kernelEvent('perf::CONTEXT-SWITCHES', true, ['perf::CS']),
  ];
  /** PAPI whose perf_event component is disabled: presets known, nothing native. */
  const PAPI_DISABLED = [preset('PAPI_TOT_CYC', false), preset('PAPI_TOT_INS', false)];

  test("auto, PAPI's perf_event component disabled: the kernel counts its events, by every spelling", () => {
    const events = servedEvents(PAPI_DISABLED, KERNEL, 'auto');
    const catalog: EventAvailability = { events };
    expect(resolveEventName('page-faults', events)).toMatchObject({ kind: 'found', name: 'perf::PAGE-FAULTS', event: { backend: 'kernel' } });
    expect(resolveEventName('cs', events)).toMatchObject({ kind: 'found', name: 'perf::CS', event: { backend: 'kernel' } });
    expect(parseEventList('task-clock,perf::FAULTS', catalog)).toEqual(['perf::TASK-CLOCK', 'perf::FAULTS']);
    expect(eventSetBackend(['perf::TASK-CLOCK', 'perf::FAULTS'], catalog)).toBe('kernel');
    const d = chooseDefaultEvents({ events, hardware: noPmu.hardware });
    expect(d).toMatchObject({ tier: 'software', backend: 'kernel', events: ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES'] });
    // the presets stay PAPI's, and say why they cannot be counted
    expect(parseEventListError('PAPI_TOT_CYC', catalog)).toMatch(/PAPI_TOT_CYC cannot be counted here/);
  });

  test('auto, PAPI active: PAPI counts what it can, the kernel only what PAPI cannot', () => {
    const papi = [preset('PAPI_TOT_CYC', false), native('perf::TASK-CLOCK', true), native('perf::PAGE-FAULTS', true), native('perf::CYCLES', false)];
    const events = servedEvents(papi, [...KERNEL, kernelEvent('perf::MAJOR-FAULTS', true)], 'auto');
    const backendOf = (name: string) => events.filter((e) => e.name === name).map((e) => e.backend);
    expect(backendOf('perf::TASK-CLOCK')).toEqual(['papi']);
    expect(backendOf('perf::MAJOR-FAULTS')).toEqual(['kernel']);
    // unavailable in both: one entry (the kernel's), so the name is not ambiguous
    expect(backendOf('perf::CYCLES')).toEqual(['kernel']);
    expect(eventSetBackend(['perf::TASK-CLOCK', 'perf::PAGE-FAULTS'], { events })).toBe('papi');
    expect(eventSetBackend(['perf::MAJOR-FAULTS'], { events })).toBe('kernel');
    const mixed = userError(() => eventSetBackend(['perf::TASK-CLOCK', 'perf::MAJOR-FAULTS'], { events }));
    expect(mixed.message).toBe("FPerf counts one event set with one backend: perf::TASK-CLOCK is PAPI's, perf::MAJOR-FAULTS the kernel's");
  });

  test('auto, PAPI active but unable to attach sets to other threads (no PMU): the kernel counts, PAPI says why not', () => {
    const attachError = 'PAPI_attach: Event does not exist';
    const papi = [native('perf::TASK-CLOCK', true), native('perf::PAGE-FAULTS', true), preset('PAPI_TOT_CYC', false)].map((e) =>
      withoutAttach({ ...e, component: 'perf_event', derived: false, description: e.name, kind: e.kind }, attachError),
    );
    expect(papi.map((e) => e.available)).toEqual([false, false, false]);
    expect(papi[0]!.reason).toMatch(/cannot attach it to another thread here \(PAPI_attach: Event does not exist; it needs a hardware PMU\)/);
    expect(papi[2]!.reason).toBe('no native events for it on this CPU'); // an older reason stays
    const events = servedEvents(papi, KERNEL, 'auto');
    expect(eventSetBackend(['perf::TASK-CLOCK', 'perf::PAGE-FAULTS'], { events })).toBe('kernel');
    expect(chooseDefaultEvents({ events, hardware: noPmu.hardware })).toMatchObject({ backend: 'kernel' });
  });

  test('a forced backend serves only its own events', () => {
    const papi = [native('perf::TASK-CLOCK', true)];
    expect(servedEvents(papi, KERNEL, 'papi').map((e) => e.backend)).toEqual(['papi']);
    const kernel = servedEvents(papi, KERNEL, 'kernel');
    expect(new Set(kernel.map((e) => e.backend))).toEqual(new Set(['kernel']));
    expect(kernel.map((e) => e.name)).toContain('perf::CPU-CYCLES');
  });

  test('names nobody knows go to the backend that counts anything here', () => {
    expect(eventSetBackend(['bogus'], { events: servedEvents(PAPI_DISABLED, KERNEL, 'auto') })).toBe('kernel');
    expect(eventSetBackend(['bogus'], { events: [native('perf::TASK-CLOCK', true)] })).toBe('papi');
  });
});

function parseEventListError(spec: string, catalog: EventAvailability): string {
  return userError(() => parseEventList(spec, catalog)).message;
}
