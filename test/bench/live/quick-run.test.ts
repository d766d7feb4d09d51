/**
 * `iprobe bench --quick` end to end, as CI runs it: it must complete and
 * write well-formed tables and figures. The numbers are not checked (the
 * machine is shared); their shape is. A "live" test (vitest.config.ts): it
 * stops a process of 8 busy threads, which a second busy test file beside it
 * could starve past the engine's stop deadline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMarkdownTables } from '../../../src/bench/suite/markdown-table.js';
import { iprobe, type CliResult } from '../../support/iprobe-cli.js';
import { useTempDir } from '../../support/temp-dir.js';

const out = useTempDir('bench-quick');

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

function tablesOf(markdown: string) {
  const tables = parseMarkdownTables(markdown);
  for (const table of tables) {
    expect(table.rows.length).toBeGreaterThan(0);
    for (const row of table.rows) {
      expect(row, `row of the table headed ${table.headers.join(' | ')}`).toHaveLength(table.headers.length);
      for (const cell of row) expect(cell).not.toMatch(/\b(NaN|undefined|Infinity|null)\b/);
    }
  }
  return tables;
}

describe('iprobe bench --quick', () => {
  let run: CliResult;
  let dir: string;

  beforeAll(async () => {
    run = await iprobe(['bench', '--quick', '--out', out]);
    dir = fs.realpathSync(path.join(out, 'latest'));
  }, 600_000);

  it('completes, shows progress and names the results folder', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/iprobe bench \[micro \d+:\d\d\] round 1\/3/);
    expect(run.stdout).toContain(`results: ${dir}`);
    const json = JSON.parse(read(dir, 'results.json')) as { quick: boolean; experiments: { id: string; failed?: string }[] };
    expect(json.quick).toBe(true);
    expect(json.experiments.map((e) => [e.id, e.failed])).toEqual([
      ['programs', undefined],
      ['micro', undefined],
      ['stop-window', undefined],
      ['hot-latency', undefined],
      ['fperf-sweep', undefined],
      ['debug-window', undefined],
    ]);
  });

  it('writes the report with the machine, the command and the load average', () => {
    const report = read(dir, 'README.md');
    expect(report).toContain('Command: `iprobe bench --quick');
    expect(report).toMatch(/load average \(1 min\) at start [0-9.]+, at end [0-9.]+/);
    for (const id of ['programs', 'micro', 'stop-window', 'fperf-sweep', 'debug-window']) expect(report).toContain(`](${id}.svg)`);
  });

  it('real programs: the three builds of bzip2, coldpatch throughput and instruction counts', () => {
    const [overhead, throughput, instructions] = tablesOf(read(dir, 'programs.md'));
    expect(overhead!.headers[0]).toBe('program (Debian version)');
    expect(overhead!.rows.map((r) => r[0])).toEqual([expect.stringMatching(/^bzip2 /)]);
    expect(throughput!.rows.map((r) => r[0])).toEqual(['bzip2: bzip2']);
    if (instructions) expect(instructions.rows[0]![0]).toBe('bzip2');
  });

  it('micro-benchmark: iprobe measured, every comparison tool measured or said why not', () => {
    const [costs, tools] = tablesOf(read(dir, 'micro.md'));
    const measured = costs!.rows.map((r) => r[0]);
    for (const label of ['uninstrumented (gcc -O2)', 'iprobe: coldpatched, probes off (runtime loaded)', 'iprobe: hotpatched on, counting handler']) {
      expect(measured).toContain(label);
    }
    expect(tools!.headers).toEqual(['tool', 'what runs', 'status']);
    for (const tool of ['LLVM XRay', 'uftrace', 'LTTng-UST', 'bpftrace', 'perf', 'gdb']) {
      const rows = tools!.rows.filter((r) => r[0] === tool);
      expect(rows.length, tool).toBeGreaterThan(0);
      for (const r of rows) expect(r[2]).toMatch(/^(measured|not available here: .+|failed here: .+)$/);
    }
  });

  it('stop window: 100 and 10,000 sites', () => {
    const [windows] = tablesOf(read(dir, 'stop-window.md'));
    expect(windows!.rows.map((r) => r[0])).toEqual(['100', '10,000']);
  });

  it('hot latency: node alone, then iprobe hot idle and under load, each against its target', () => {
    const text = read(dir, 'hot-latency.md');
    expect(text).toMatch(/node -e 0/);
    expect(text).toMatch(/idle target/);
  });

  it('FPerf budget sweep: probes off and each budget', () => {
    const [sweep] = tablesOf(read(dir, 'fperf-sweep.md'));
    expect(sweep!.rows.map((r) => r[0])).toEqual(['probes off', '0%', '5%', 'none']);
  });

  it('figures are SVG documents', () => {
    for (const id of ['programs', 'micro', 'stop-window', 'fperf-sweep', 'debug-window']) {
      const svg = read(dir, `${id}.svg`);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
  });
});
