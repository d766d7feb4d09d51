/**
 * The PAPI library as the addon sees it, checked against what the machine
 * says independently: the installed header, /proc/cpuinfo, the CPU count.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { papiComponents, papiHardware, papiVersion } from '../../src/native/papi.js';
import { papiPerfEventDisabled } from '../support/counter-backends.js';

describe('library', () => {
  test('version is the one of the installed PAPI header', () => {
    const header = readFileSync('/usr/include/papi.h', 'utf8');
    const m = /#define\s+PAPI_VERSION\s+PAPI_VERSION_NUMBER\((\d+),(\d+),(\d+),(\d+)\)/.exec(header);
    expect(m).not.toBeNull();
    const v = papiVersion();
    expect([v.major, v.minor]).toEqual([Number(m![1]), Number(m![2])]);
    expect(v.major).toBeGreaterThanOrEqual(7);
    expect(v.text).toBe(`${v.major}.${v.minor}.${v.revision}.${v.increment}`);
  });

  test('initialisation is idempotent', () => {
    expect(papiVersion()).toEqual(papiVersion());
  });

  test('hardware facts agree with the kernel', () => {
    const hw = papiHardware();
    expect(hw.cpus).toBe(os.cpus().length);
    const hypervisor = /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(hw.virtualized).toBe(hypervisor);
    if (hw.virtualized) expect(hw.virtualVendor).not.toBe('');
  });
});

describe('components', () => {
  test('every disabled component says why; indexes are PAPI\'s', () => {
    const components = papiComponents();
    expect(components.some((c) => c.name === 'perf_event')).toBe(true);
    for (const c of components.filter((c) => c.disabled)) expect(c.disabledReason, c.name).toMatch(/\S/);
    expect(components.map((c) => c.index)).toEqual(components.map((_, i) => i));
  });

  // Where libpfm4 knows no PMU for the CPU, PAPI disables the component (the kernel backend counts instead).
  const disabled = papiPerfEventDisabled();
  test.skipIf(disabled)(`perf_event is enabled${disabled ? ` (skipped: ${disabled})` : ''}`, () => {
    expect(papiComponents().find((c) => c.name === 'perf_event')?.disabled).toBe(false);
  });
});
