/** Which benchmarks a suite means, what is skipped and why, and how names given on the command line resolve. */
import { describe, expect, test } from 'vitest';
import { selectBenchmarks } from '../../src/spec-cpu/spec-benchmarks.js';

describe('whole suites: C and C++ built, anything with Fortran skipped with the reason', () => {
  test.each([
    ['cpu2017', 'intrate', 9, ['548.exchange2_r (Fortran)']],
    ['cpu2017', 'intspeed', 9, ['648.exchange2_s (Fortran)']],
    [
      'cpu2017',
      'fprate',
      7,
      [
        '503.bwaves_r (Fortran)',
        '507.cactuBSSN_r (mixed C++/C/Fortran: has Fortran sources)',
        '521.wrf_r (mixed Fortran/C: has Fortran sources)',
        '527.cam4_r (mixed Fortran/C: has Fortran sources)',
        '549.fotonik3d_r (Fortran)',
        '554.roms_r (Fortran)',
      ],
    ],
    ['cpu2017', 'fpspeed', 3, ['603.bwaves_s', '607.cactuBSSN_s', '621.wrf_s', '627.cam4_s', '628.pop2_s', '649.fotonik3d_s', '654.roms_s']],
    ['cpu2006', 'int', 12, []],
    ['cpu2006', 'fp', 7, ['410.bwaves', '416.gamess', '434.zeusmp', '435.gromacs', '436.cactusADM', '437.leslie3d', '454.calculix', '459.GemsFDTD', '465.tonto', '481.wrf']],
  ] as const)('%s %s', (version, suite, built, skipped) => {
    const s = selectBenchmarks(version, suite);
    expect(s.selected).toHaveLength(built);
    expect(s.selected.every((b) => !b.languages.includes('Fortran'))).toBe(true);
    const described = s.skipped.map((k) => `${k.benchmark} (${k.reason})`);
    if (skipped.some((k) => k.includes('('))) expect(described).toEqual(skipped);
    else expect(s.skipped.map((k) => k.benchmark)).toEqual(skipped);
  });
});

describe('named benchmarks', () => {
  test('full name, short name or number; duplicates once; order kept', () => {
    const s = selectBenchmarks('cpu2017', 'intrate', ['557', 'mcf_r', '505.mcf_r', '520.omnetpp_r']);
    expect(s.selected.map((b) => b.name)).toEqual(['557.xz_r', '505.mcf_r', '520.omnetpp_r']);
    expect(s.skipped).toEqual([]);
    expect(selectBenchmarks('cpu2006', 'int', ['xalancbmk']).selected.map((b) => b.name)).toEqual(['483.xalancbmk']);
  });

  test('refusals', () => {
    expect(() => selectBenchmarks('cpu2017', 'intrate', ['mcf'])).toThrow(/unknown benchmark 'mcf' in SPEC CPU2017 intrate/);
    expect(() => selectBenchmarks('cpu2017', 'fprate', ['wrf_r'])).toThrow(/521\.wrf_r cannot be measured: mixed Fortran\/C/);
    expect(() => selectBenchmarks('cpu2017', 'intrate', ['605.mcf_s'])).toThrow(/605\.mcf_s is in suite intspeed, not intrate/);
    expect(() => selectBenchmarks('cpu2006', 'intrate')).toThrow(/unknown suite 'intrate' for SPEC CPU2006/);
    expect(() => selectBenchmarks('cpu2017', 'all')).toThrow(/unknown suite 'all' for SPEC CPU2017/);
  });
});
