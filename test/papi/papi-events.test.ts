/**
 * The event catalogue: the perf software events are countable wherever Linux
 * has perf_event; hardware events only where there is a PMU. Availability is
 * checked for consistency with a real validation of each event, so that the
 * tests hold on a machine with a PMU as well as in a VM without one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { papiNativeEvents, papiPresets, validateEventSet, type PapiEvent } from '../../src/native/papi.js';
import { papiPerfEventDisabled } from '../support/counter-backends.js';

const SOFTWARE_EVENTS = ['perf::TASK-CLOCK', 'perf::PAGE-FAULTS', 'perf::CONTEXT-SWITCHES', 'perf::CPU-MIGRATIONS'];

/** The kernel's core PMU ("cpu", or "cpu_core"/"cpu_atom" on hybrid Intel), as sysfs lists it. */
function kernelHasCorePmu(): boolean {
  const dir = '/sys/bus/event_source/devices';
  return existsSync(dir) && readdirSync(dir).some((d) => d === 'cpu' || d.startsWith('cpu_'));
}

let presets: PapiEvent[];
let natives: PapiEvent[];

beforeAll(() => {
  presets = papiPresets();
  natives = papiNativeEvents();
});

describe('presets', () => {
  test('PAPI_TOT_CYC and PAPI_TOT_INS are known, with descriptions', () => {
    for (const name of ['PAPI_TOT_CYC', 'PAPI_TOT_INS', 'PAPI_L1_DCM']) {
      const e = presets.find((p) => p.name === name);
      expect(e?.description, name).toMatch(/\S/);
      if (!e!.available) expect(e!.reason, name).toMatch(/\S/);
    }
  });

  // On a machine with a PMU the consistency test below is the check.
  test.skipIf(kernelHasCorePmu())('without a core PMU in the kernel, no preset is available (PAPI_TOT_CYC among them)', () => {
    expect(presets.filter((p) => p.available)).toEqual([]);
    expect(presets.find((p) => p.name === 'PAPI_TOT_CYC')?.reason).toMatch(/\S/);
  });

  test('an available preset validates, an unavailable one does not', () => {
    for (const p of presets) {
      const check = validateEventSet([p.name]);
      expect(check.ok, `${p.name}: listed ${p.available ? 'available' : `unavailable (${p.reason})`}`).toBe(p.available);
    }
  });
});

describe('native events', () => {
  // Without its perf_event component PAPI lists no perf:: event at all (the kernel backend counts them).
  const disabled = papiPerfEventDisabled();
  const unlessDisabled = (title: string) => `${title}${disabled ? ` (skipped: ${disabled})` : ''}`;

  test.skipIf(disabled)(unlessDisabled('the perf software events are listed as available, with descriptions'), () => {
    for (const name of SOFTWARE_EVENTS) {
      const e = natives.find((n) => n.name === name);
      expect(e, name).toBeDefined();
      expect(e!.available, `${name}: ${e!.reason}`).toBe(true);
      expect(e!.component).toBe('perf_event');
      expect(e!.description).toMatch(/PERF_COUNT_SW_/);
    }
  });

  test.skipIf(kernelHasCorePmu() || disabled)(unlessDisabled('without a core PMU, the generic hardware events are listed but not available'), () => {
    for (const name of ['perf::CYCLES', 'perf::INSTRUCTIONS']) {
      const e = natives.find((n) => n.name === name);
      expect(e?.available, name).toBe(false);
      expect(e?.reason).toMatch(/\S/);
    }
  });

  test('availability agrees with validation, event by event', () => {
    for (const e of natives) {
      expect(validateEventSet([e.name]).ok, `${e.name}: ${e.reason ?? 'available'}`).toBe(e.available);
    }
  });

  test('names are unique', () => {
    const names = natives.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
