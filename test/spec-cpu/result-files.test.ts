/**
 * Reading what the SPEC tools write, on hand-written samples laid out as
 * bin/formats/raw.pl and csv.pl write them: iterations, the selected one,
 * status codes, labels; the CSV and the raw file of one run agree.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCsv, parseCsvResult, readCsvResult } from '../../src/spec-cpu/spec-csv-result.js';
import { parseRawResult, readRawResult } from '../../src/spec-cpu/spec-raw-result.js';
import { outcomeOf, recordsFor, type SpecResultFile } from '../../src/spec-cpu/spec-result.js';
import { PROJECT_ROOT } from '../support/paths.js';

const fixture = (name: string) => path.join(PROJECT_ROOT, 'test', 'fixtures', 'spec-cpu', name);
const outcome = (file: SpecResultFile, benchmark: string, tune = 'base') => outcomeOf(recordsFor([file], benchmark, tune));

describe('CPU2017 raw result (.rsf)', () => {
  test('iterations in order, the selected one reported, the label read', async () => {
    const plain = await readRawResult(fixture('CPU2017.001.intrate.refrate.rsf'));
    expect(plain.version).toBe('cpu2017');
    expect(plain.label).toBe('iprobe-plain');
    expect([...plain.benchmarks.keys()]).toEqual(['502.gcc_r', '505.mcf_r', '557.xz_r']);
    expect(plain.benchmarks.get('557.xz_r')!.get('base')).toEqual([
      { seconds: 382.1, status: 'S', selected: false },
      { seconds: 383.449, status: 'S', selected: true },
      { seconds: 384.015, status: 'S', selected: false },
    ]);
    expect(outcome(plain, '505.mcf_r')).toEqual({ status: 'ok', seconds: 330.981, iterations: [330.981, 331.552, 329.87] });
  });

  test('a compile error is a failure with the tools\' code; an absent benchmark is missing', async () => {
    const cold = await readRawResult(fixture('CPU2017.003.intrate.refrate.rsf'));
    expect(cold.label).toBe('iprobe-cold');
    expect(cold.benchmarks.get('502.gcc_r')!.get('base')).toEqual([{ seconds: undefined, status: 'CE', selected: false }]);
    expect(outcome(cold, '502.gcc_r')).toEqual({ status: 'failed', reason: 'CE' });
    expect(outcome(cold, '557.xz_r')).toEqual({ status: 'missing' });
    expect(outcome(cold, '505.mcf_r', 'peak')).toEqual({ status: 'missing' });
  });

  test('not a raw file; a file mixing labels', () => {
    expect(() => parseRawResult('valid,1\nBenchmark,x\n', 'x.rsf')).toThrow(/x\.rsf is not a SPEC CPU raw result file/);
    const text = readFileSync(fixture('CPU2017.001.intrate.refrate.rsf'), 'utf8').replace(
      'spec.cpu2017.results.557_xz_r.base.002.label: iprobe-plain',
      'spec.cpu2017.results.557_xz_r.base.002.label: iprobe-cold',
    );
    expect(() => parseRawResult(text, 'mixed.rsf')).toThrow(/mixed\.rsf mixes labels iprobe-plain, iprobe-cold/);
  });
});

describe('CPU2017 CSV', () => {
  test('agrees with the raw file of the same run; NR rows of benchmarks that did not run are not records', async () => {
    const csv = await readCsvResult(fixture('CPU2017.001.intrate.refrate.csv'));
    const raw = await readRawResult(fixture('CPU2017.001.intrate.refrate.rsf'));
    expect(csv.version).toBe('cpu2017');
    expect([...csv.benchmarks.keys()]).toEqual(['502.gcc_r', '505.mcf_r', '557.xz_r']);
    for (const benchmark of csv.benchmarks.keys()) {
      expect(csv.benchmarks.get(benchmark)!.get('base')).toEqual(raw.benchmarks.get(benchmark)!.get('base'));
    }
    expect(csv.benchmarks.get('505.mcf_r')!.has('peak')).toBe(false);
  });

  test('not a results CSV', () => {
    expect(() => parseCsvResult('a,b\n1,2\n', 'other.csv')).toThrow(/other\.csv is not a SPEC CPU CSV result/);
  });
});

describe('CPU2006', () => {
  test('raw file: extension as label, a validation error fails the benchmark, other lines ignored', async () => {
    const raw = await readRawResult(fixture('CINT2006.001.ref.rsf'));
    expect(raw.version).toBe('cpu2006');
    expect(raw.label).toBe('iprobe-plain');
    expect(outcome(raw, '429.mcf')).toEqual({ status: 'ok', seconds: 301.114, iterations: [301.114, 300.528, 302.907] });
    expect(outcome(raw, '471.omnetpp')).toEqual({ status: 'failed', reason: 'VE' });
    expect(raw.benchmarks.get('471.omnetpp')!.get('base')!.map((r) => r.seconds)).toEqual([355.61, 356.921, 355.093]);
  });

  test('CSV of an invalid run ("Est." columns, no table title) agrees with the raw file', async () => {
    const csv = await readCsvResult(fixture('CINT2006.001.ref.csv'));
    const raw = await readRawResult(fixture('CINT2006.001.ref.rsf'));
    expect([...csv.benchmarks.keys()]).toEqual(['429.mcf', '462.libquantum', '471.omnetpp']);
    for (const benchmark of csv.benchmarks.keys()) {
      expect(csv.benchmarks.get(benchmark)!.get('base')).toEqual(raw.benchmarks.get(benchmark)!.get('base'));
    }
  });
});

describe('outcome of a benchmark', () => {
  test('without a selected iteration: the median, the slower middle one for an even count', () => {
    const s = (seconds: number) => ({ seconds, status: 'S', selected: false });
    expect(outcomeOf([s(3), s(1), s(2)])).toMatchObject({ status: 'ok', seconds: 2 });
    expect(outcomeOf([s(4), s(1)])).toMatchObject({ status: 'ok', seconds: 4 });
    expect(outcomeOf([s(4), { seconds: 9, status: 'RE', selected: false }, { seconds: 1, status: 'VE', selected: false }])).toEqual({
      status: 'failed',
      reason: 'RE,VE',
    });
    expect(outcomeOf([{ seconds: undefined, status: 'S', selected: true }])).toEqual({ status: 'failed', reason: 'no time recorded' });
  });
});

test('CSV fields: quotes, doubled quotes, commas and line breaks inside quotes, CRLF', () => {
  expect(parseCsv('a,"b c","d,e"\r\n"f""g",,"h\ni"\n\nlast')).toEqual([['a', 'b c', 'd,e'], ['f"g', '', 'h\ni'], [], ['last']]);
});
