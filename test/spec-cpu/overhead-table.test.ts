/** The table iprobe-spec prints, from the three hand-written CPU2017 runs (plain, instrumented, coldpatched). */
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { buildOverheadReport, renderCsv, renderJson, renderMarkdown, type OverheadReport } from '../../src/spec-cpu/overhead-table.js';
import { readRawResult } from '../../src/spec-cpu/spec-raw-result.js';
import { PROJECT_ROOT } from '../support/paths.js';

const fixture = (name: string) => path.join(PROJECT_ROOT, 'test', 'fixtures', 'spec-cpu', name);
let report: OverheadReport;

beforeAll(async () => {
  report = buildOverheadReport({
    title: 'sample',
    tune: 'base',
    results: {
      plain: [await readRawResult(fixture('CPU2017.001.intrate.refrate.rsf'))],
      instr: [await readRawResult(fixture('CPU2017.002.intrate.refrate.rsf'))],
      cold: [await readRawResult(fixture('CPU2017.003.intrate.refrate.rsf'))],
    },
    skipped: [{ benchmark: '548.exchange2_r', reason: 'Fortran' }],
  });
});

test('ratios to plain from the selected iterations; geometric mean only over complete rows', () => {
  expect(report.rows.map((r) => r.benchmark)).toEqual(['502.gcc_r', '505.mcf_r', '557.xz_r']);
  const mcf = report.rows[1]!;
  expect(mcf.ratios.instr).toBeCloseTo(399.105 / 330.981, 12);
  expect(mcf.ratios.cold).toBeCloseTo(331.774 / 330.981, 12);
  expect(report.rows[0]!.ratios).toEqual({ instr: 331.212 / 262.604 });
  expect(report.rows[2]!.outcomes.cold).toEqual({ status: 'missing' });
  expect(report.geomeanOver).toBe(1);
  expect(report.geomean.cold).toBeCloseTo(331.774 / 330.981, 12);
});

test('Markdown', () => {
  expect(renderMarkdown(report)).toBe(
    [
      '### sample',
      '',
      '| benchmark | plain (s) | instrumented (s) | coldpatched (s) |',
      '|---|---:|---:|---:|',
      '| 502.gcc_r | 262.6 | 331.2 (1.261×) | failed (CE) |',
      '| 505.mcf_r | 331.0 | 399.1 (1.206×) | 331.8 (1.002×) |',
      '| 557.xz_r | 383.4 | 402.6 (1.050×) | missing |',
      '| geometric mean (1 benchmark) | | 1.206× | 1.002× |',
      '',
      "Seconds are the iteration the SPEC tools selected (the median); ratios are to plain. failed (CE/RE/VE...) is the tools' status: compile, run or validation error; missing: no result recorded.",
      '',
      'Not built: 548.exchange2_r (Fortran).',
      '',
    ].join('\n'),
  );
});

test('CSV and JSON carry the unrounded numbers and the statuses', () => {
  expect(renderCsv(report).split('\n')).toEqual([
    'benchmark,plain_seconds,plain_status,instr_seconds,instr_status,instr_ratio,cold_seconds,cold_status,cold_ratio',
    '502.gcc_r,262.604,ok,331.212,ok,1.261260,,failed:CE,',
    '505.mcf_r,330.981,ok,399.105,ok,1.205825,331.774,ok,1.002396',
    '557.xz_r,383.449,ok,402.605,ok,1.049957,,missing,',
    '',
  ]);
  const json = JSON.parse(renderJson(report)) as OverheadReport;
  expect(json.rows[0]!.outcomes.cold).toEqual({ status: 'failed', reason: 'CE' });
  expect(json.rows[1]!.outcomes.plain).toEqual({ status: 'ok', seconds: 330.981, iterations: [330.981, 331.552, 329.87] });
  expect(json.resultFiles.instr).toEqual([fixture('CPU2017.002.intrate.refrate.rsf')]);
});
