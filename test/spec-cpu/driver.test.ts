/**
 * spec-cpu-scripts/iprobe-spec as a licensee runs it, against a fake SPEC tree
 * whose runcpu builds tiny real programs (so the cold label's build_post_bench
 * really coldpatches) and answers runs with the hand-written result files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sha256Of } from '../../src/probelist/binary-identity.js';
import { checkIprobeBuilt } from '../../src/spec-cpu/spec-driver.js';
import { runProgram, type CliResult } from '../support/iprobe-cli.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';
import { makeFakeSpecTree } from './fake-spec-tree.js';

const dir = useTempDir('spec-driver');
const WRAPPER = path.join(PROJECT_ROOT, 'spec-cpu-scripts', 'iprobe-spec');
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'spec-cpu');
const RESULTS = {
  'iprobe-plain': path.join(FIXTURES, 'CPU2017.001.intrate.refrate.rsf'),
  'iprobe-instr': path.join(FIXTURES, 'CPU2017.002.intrate.refrate.rsf'),
  'iprobe-cold': path.join(FIXTURES, 'CPU2017.003.intrate.refrate.rsf'),
};
const BENCHMARKS = '505.mcf_r,502.gcc_r,557.xz_r';

const iprobeSpec = (args: string[], cwd = dir): Promise<CliResult> => runProgram(WRAPPER, args, { cwd });

function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^iprobe-spec: /);
  expect(lines[0]).toMatch(pattern);
}

const runnerCalls = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : []);

describe('dry run', () => {
  test('CPU2017: prints the config and every runcpu command in order, runs and writes nothing', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'dry2017'));
    const r = await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--iterations', '3', '--benchmarks', 'mcf_r,505,502.gcc_r', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('cd '));
    const prefix = `cd ${spec.root} && . ./shrc && runcpu --config=iprobe-overhead`;
    expect(commands).toEqual([
      `${prefix} --label=iprobe-plain --tune=base --noreportable --action=build 505.mcf_r 502.gcc_r`,
      `${prefix} --label=iprobe-instr --tune=base --noreportable --action=build 505.mcf_r 502.gcc_r`,
      `${prefix} --label=iprobe-cold --tune=base --noreportable --action=build 505.mcf_r 502.gcc_r`,
      ...['plain', 'instr', 'cold'].map(
        (v) =>
          `${prefix} --label=iprobe-${v} --tune=base --noreportable --action=run --nobuild --iterations=3 --size=ref --output_format=text,csv 505.mcf_r 502.gcc_r`,
      ),
    ]);
    const config = /<<'IPROBE_SPEC_CONFIG'\n([\s\S]*?)IPROBE_SPEC_CONFIG\n/.exec(r.stdout)?.[1];
    expect(config).toContain('include: Example-gcc-linux-x86.cfg');
    expect(config).toMatch(/^default=default=iprobe-cold:\n(?: {3}.*\n)*? {3}build_post_bench {2}= \S+node \S+\/dist\/spec-cpu\/coldpatch-hook\.js$/m);
    expect(r.stdout).toContain(`cat > ${path.join(spec.root, 'config', 'iprobe-overhead.cfg')} <<'IPROBE_SPEC_CONFIG'`);
    expect(existsSync(path.join(spec.root, 'config', 'iprobe-overhead.cfg'))).toBe(false);
    expect(runnerCalls(spec.callLog)).toEqual([]);
  });

  test('CPU2017 whole suite: the Fortran benchmark is listed as not built', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'dry-suite'));
    const r = await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# not built: 548.exchange2_r (Fortran)');
    const build = r.stdout.split('\n').find((l) => l.includes('--action=build'))!;
    expect(build.split(' ').filter((w) => /^\d{3}\./.test(w))).toEqual([
      '500.perlbench_r', '502.gcc_r', '505.mcf_r', '520.omnetpp_r', '523.xalancbmk_r', '525.x264_r', '531.deepsjeng_r', '541.leela_r', '557.xz_r',
    ]);
  });

  test('CPU2006: runspec with --extension, the CPU2006 example config, defines passed on', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'dry2006'), { version: 'cpu2006', baseConfig: 'linux64-gcc.cfg' });
    const r = await iprobeSpec([
      '--spec-dir', spec.root, '--suite', 'int', '--base-config', 'linux64-gcc.cfg', '--tune', 'peak', '--iterations', '1',
      '--size', 'test', '--benchmarks', '429.mcf,471.omnetpp', '--define', 'gcc_dir=/usr', '--dry-run',
    ]);
    expect(r.code).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('cd '));
    expect(commands[0]).toBe(
      `cd ${spec.root} && . ./shrc && runspec --config=iprobe-overhead --extension=iprobe-plain --tune=peak --define=gcc_dir=/usr --noreportable --action=build 429.mcf 471.omnetpp`,
    );
    expect(commands[5]).toContain('runspec --config=iprobe-overhead --extension=iprobe-cold --tune=peak');
    expect(commands[5]).toContain('--iterations=1 --size=test');
    expect(r.stdout).toContain('include: linux64-gcc.cfg');
    expect(r.stdout).toContain('SPEC CPU2006 int, peak tuning, 1 iteration of test');
  });
});

describe('a full run against the fake tree', () => {
  test('builds, coldpatches in build_post_bench, runs, tabulates; the failed and the missing benchmark are reported', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'full'), { resultsByLabel: RESULTS });
    const out = path.join(dir, 'full-out');
    const r = await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--benchmarks', BENCHMARKS, '--output-dir', out]);
    expect(r.stderr).not.toMatch(/warning|error/i);
    expect(r.code).toBe(0);

    const calls = runnerCalls(spec.callLog);
    expect(calls.map((c) => /--label=(\S+)/.exec(c)?.[1] + ' ' + /--action=(\S+)/.exec(c)?.[1])).toEqual([
      'iprobe-plain build', 'iprobe-instr build', 'iprobe-cold build', 'iprobe-plain run', 'iprobe-instr run', 'iprobe-cold run',
    ]);
    expect(calls.every((c) => c.includes('--noreportable'))).toBe(true);

    // What the tools copied to exe/ is the coldpatched file, bound to its probe list; the instrumented original is kept.
    const top = path.join(spec.root, 'benchspec', 'CPU', '505.mcf_r');
    const coldExe = path.join(top, 'exe', 'mcf_r_base.iprobe-cold');
    const list = JSON.parse(readFileSync(`${coldExe}.probes.json`, 'utf8')) as { binary: { sha256: string; file: string } };
    expect(list.binary.sha256).toBe(sha256Of(readFileSync(coldExe)));
    expect(list.binary.file).toBe('mcf_r');
    const build = path.join(top, 'build', 'build_base_iprobe-cold.0000');
    const original = readFileSync(path.join(build, 'mcf_r.instrumented'));
    expect(original.length).toBe(readFileSync(coldExe).length);
    expect(original.equals(readFileSync(coldExe))).toBe(false);
    expect(list.binary.sha256).not.toBe(sha256Of(original));
    expect(readFileSync(path.join(top, 'exe', 'mcf_r_base.iprobe-plain')).includes('__cyg_profile_func_enter')).toBe(false);

    const markdown = readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(r.stdout).toContain(markdown);
    expect(markdown).toContain('| 505.mcf_r | 331.0 | 399.1 (1.206×) | 331.8 (1.002×) |');
    expect(markdown).toContain('| 502.gcc_r | 262.6 | 331.2 (1.261×) | failed (CE) |');
    expect(markdown).toContain('| 557.xz_r | 383.4 | 402.6 (1.050×) | missing |');
    expect(markdown).toContain('| geometric mean (1 benchmark) | | 1.206× | 1.002× |');
    const json = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { rows: { benchmark: string }[]; resultFiles: Record<string, string[]> };
    expect(json.rows.map((row) => row.benchmark)).toEqual(['505.mcf_r', '502.gcc_r', '557.xz_r']);
    expect(json.resultFiles.cold).toEqual([path.join(spec.root, 'result', 'CPU2017.006.intrate.refrate.rsf')]);
    expect(readFileSync(path.join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe(
      'benchmark,plain_seconds,plain_status,instr_seconds,instr_status,instr_ratio,cold_seconds,cold_status,cold_ratio',
    );
  });

  test('a run whose result file carries another label is refused', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'wrong-label'), {
      resultsByLabel: { ...RESULTS, 'iprobe-instr': RESULTS['iprobe-plain'] },
    });
    const r = await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--benchmarks', '505', '--output-dir', path.join(dir, 'wl-out')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^iprobe-spec: .*CPU2017\.005\.intrate\.refrate\.rsf holds results for iprobe-plain, not iprobe-instr/);
  });
});

describe('clear errors, one line, nothing run', () => {
  test('SPEC directory missing; required choices not made', async () => {
    expectOneLineError(await iprobeSpec(['--spec-dir', path.join(dir, 'nowhere'), '--suite', 'intrate']), /SPEC directory .*nowhere does not exist/);
    const spec = makeFakeSpecTree(path.join(dir, 'choices'));
    expectOneLineError(await iprobeSpec(['--spec-dir', spec.root]), /no suite \(pass --suite/);
    expectOneLineError(await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--tune', 'fast']), /unknown tune 'fast' \(use base or peak\)/);
    expect((await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--iterations', '0'])).stderr).toMatch(/--iterations.*expected a whole number of at least 1/);
  });

  test('not a SPEC tree', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expectOneLineError(await iprobeSpec(['--spec-dir', empty, '--suite', 'intrate']), /is not a SPEC CPU tree: it has no shrc and no bin\/runcpu/);
    writeFileSync(path.join(empty, 'shrc'), '');
    expectOneLineError(await iprobeSpec(['--spec-dir', empty, '--suite', 'intrate']), /is not a SPEC CPU tree: it has no bin\/runcpu \(CPU2017\) or bin\/runspec/);
  });

  test('unknown benchmark, Fortran benchmark, suite of the other version', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'names'));
    const base = ['--spec-dir', spec.root, '--suite', 'intrate', '--dry-run'];
    expectOneLineError(await iprobeSpec([...base, '--benchmarks', '505.mcf_r,999.nope']), /unknown benchmark '999\.nope' in SPEC CPU2017 intrate \(choose from 500\.perlbench_r, /);
    expectOneLineError(await iprobeSpec([...base, '--benchmarks', 'exchange2_r']), /548\.exchange2_r cannot be measured: Fortran/);
    expectOneLineError(await iprobeSpec([...base, '--benchmarks', '519.lbm_r']), /519\.lbm_r is in suite fprate, not intrate/);
    expectOneLineError(
      await iprobeSpec(['--spec-dir', spec.root, '--suite', 'int', '--dry-run']),
      /unknown suite 'int' for SPEC CPU2017 \('int' is a SPEC CPU2006 suite; this tree is SPEC CPU2017\)/,
    );
    expect(runnerCalls(spec.callLog)).toEqual([]);
  });

  test('base config missing; a config iprobe-spec did not write is not overwritten', async () => {
    const spec = makeFakeSpecTree(path.join(dir, 'configs'));
    expectOneLineError(
      await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--base-config', 'mine.cfg', '--dry-run']),
      /base config mine\.cfg not found in .*config \(pass the config you build SPEC with/,
    );
    writeFileSync(path.join(spec.root, 'config', 'iprobe-overhead.cfg'), '# my own\n');
    expectOneLineError(
      await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--dry-run']),
      /iprobe-overhead\.cfg exists and was not written by iprobe-spec \(choose another --config-name, or pass --force/,
    );
    const forced = await iprobeSpec(['--spec-dir', spec.root, '--suite', 'intrate', '--dry-run', '--force']);
    expect(forced.code).toBe(0);
  });

  test('iprobe not built: the driver checks for the hook, coldpatch and the native addon', () => {
    const unbuilt = path.join(dir, 'unbuilt-root');
    mkdirSync(path.join(unbuilt, 'dist', 'spec-cpu'), { recursive: true });
    writeFileSync(path.join(unbuilt, 'dist', 'spec-cpu', 'coldpatch-hook.js'), '');
    expect(() => checkIprobeBuilt(unbuilt)).toThrow(
      new RegExp(`^iprobe is not built: ${unbuilt}/dist/coldpatch/coldpatch\\.js, ${unbuilt}/build/Release/iprobe\\.node are missing$`),
    );
    expect(() => checkIprobeBuilt()).not.toThrow();
  });

  test('iprobe not built: the wrapper says so', async () => {
    const copy = path.join(dir, 'unbuilt', 'spec-cpu-scripts');
    mkdirSync(copy, { recursive: true });
    const wrapper = path.join(copy, 'iprobe-spec');
    writeFileSync(wrapper, readFileSync(WRAPPER), { mode: 0o755 });
    const r = await runProgram(wrapper, ['--help']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^iprobe-spec: iprobe is not built: .*unbuilt\/dist\/spec-cpu\/iprobe-spec\.js is missing \(run 'npm ci'/);
  });
});

describe('collect: a table from result files the user already has', () => {
  test('raw and CSV files mixed; every benchmark found is a row', async () => {
    const out = path.join(dir, 'collect-out');
    const r = await iprobeSpec([
      'collect', '--plain', path.join(FIXTURES, 'CPU2017.001.intrate.refrate.csv'), '--instr', RESULTS['iprobe-instr'], '--cold', RESULTS['iprobe-cold'], '-o', out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| 505.mcf_r | 331.0 | 399.1 (1.206×) | 331.8 (1.002×) |');
    expect(r.stdout).toContain('| 502.gcc_r | 262.6 | 331.2 (1.261×) | failed (CE) |');
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toBe(r.stdout);
  });

  test('peak asked of base-only results; a file that is not a result', async () => {
    const args = ['collect', '--plain', RESULTS['iprobe-plain'], '--instr', RESULTS['iprobe-instr'], '--cold', RESULTS['iprobe-cold']];
    expectOneLineError(await iprobeSpec([...args, '--tune', 'peak', '-o', path.join(dir, 'c2')]), /no peak results in those files/);
    const bogus = path.join(dir, 'bogus.rsf');
    writeFileSync(bogus, 'hello\n');
    expectOneLineError(
      await iprobeSpec(['collect', '--plain', bogus, '--instr', bogus, '--cold', bogus, '-o', path.join(dir, 'c3')]),
      /bogus\.rsf is not a SPEC CPU raw result file/,
    );
  });
});
