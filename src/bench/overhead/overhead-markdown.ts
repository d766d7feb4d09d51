/** The tables and targets of the real-program experiment. */
import { formatMeasure, formatRatio, markdownTable } from '../suite/markdown-table.js';
import type { OverheadResults, ProgramOverhead } from './program-overhead.js';

const MB = 1e6;
/** The ColdPatch issue's bound on the coldpatched binary's overhead. */
export const COLDPATCH_OVERHEAD_TARGET = 1.02;

const times = (c: { min: number; median: number }) => `${c.min.toFixed(3)} / ${c.median.toFixed(3)}`;
const ratios = (c: { minRatio: number; medianRatio: number }) => `${formatRatio(c.minRatio)} / ${formatRatio(c.medianRatio)}`;

function contestant(p: ProgramOverhead, label: string) {
  const c = p.comparison.contestants.find((x) => x.label === label);
  if (!c) throw new Error(`${p.program}: no ${label} runs`);
  return c;
}

/** max/min of the uninstrumented runs: how far apart runs of the very same binary fell. */
const spread = (p: ProgramOverhead) => {
  const s = contestant(p, 'uninstrumented').seconds;
  return Math.max(...s) / Math.min(...s);
};

const geomean = (values: readonly number[]) => Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);

export function overheadMarkdown(r: OverheadResults): string {
  const rows = r.programs.map((p) => {
    const sites = p.throughput.reduce((n, t) => n + t.sites, 0);
    return [
      `${p.program} ${p.version}`,
      sites.toLocaleString('en'),
      times(contestant(p, 'uninstrumented')),
      times(contestant(p, 'instrumented')),
      ratios(contestant(p, 'instrumented')),
      times(contestant(p, 'coldpatched')),
      ratios(contestant(p, 'coldpatched')),
      formatRatio(spread(p)),
    ];
  });
  if (r.programs.length > 1) {
    const mean = (label: string, key: 'minRatio' | 'medianRatio') => geomean(r.programs.map((p) => contestant(p, label)[key]));
    rows.push([
      `geometric mean (${r.programs.length} programs)`,
      '',
      '',
      '',
      `${formatRatio(mean('instrumented', 'minRatio'))} / ${formatRatio(mean('instrumented', 'medianRatio'))}`,
      '',
      `${formatRatio(mean('coldpatched', 'minRatio'))} / ${formatRatio(mean('coldpatched', 'medianRatio'))}`,
      '',
    ]);
  }
  const overhead = markdownTable(
    [
      'program (Debian version)',
      'hook sites',
      'uninstrumented s, min / median',
      'instrumented s, min / median',
      'instrumented ratio, min / median',
      'coldpatched s, min / median',
      'coldpatched ratio, min / median',
      'spread of uninstrumented runs (max/min)',
    ],
    rows,
  );
  const throughput = markdownTable(
    [
      'binary',
      'text MB',
      'sites',
      'iprobe coldpatch command s',
      'MB/s',
      'coldpatch itself s',
      'MB/s',
      'objdump -d s',
      'MB/s',
      'speed vs objdump -d: command / itself',
    ],
    r.programs.flatMap((p) =>
      p.throughput.map((t) => [
        `${p.program}: ${t.binary}`,
        formatMeasure(t.textBytes / MB),
        t.sites.toLocaleString('en'),
        formatMeasure(t.coldpatchSeconds),
        formatMeasure(t.textBytes / MB / t.coldpatchSeconds),
        formatMeasure(t.coldpatchInternalSeconds),
        formatMeasure(t.textBytes / MB / t.coldpatchInternalSeconds),
        formatMeasure(t.objdumpSeconds),
        formatMeasure(t.textBytes / MB / t.objdumpSeconds),
        `${formatRatio(t.objdumpSeconds / t.coldpatchSeconds)} / ${formatRatio(t.objdumpSeconds / t.coldpatchInternalSeconds)}`,
      ]),
    ),
  );
  const counted = r.programs.filter((p) => p.instructions);
  const instructions = r.callgrind.available
    ? markdownTable(
        ['program', 'uninstrumented instructions', 'coldpatched instructions', 'coldpatched ratio', 'processes counted'],
        counted.map((p) => {
          const i = p.instructions!;
          return [
            p.program,
            i.uninstrumented.instructions.toLocaleString('en'),
            i.coldpatched.instructions.toLocaleString('en'),
            formatRatio(i.coldpatched.instructions / i.uninstrumented.instructions),
            i.uninstrumented.processes,
          ];
        }),
      )
    : `Not available here: ${r.callgrind.why}.\n`;
  return [
    `Workload size \`${r.size}\` (see docs/debian-programs.md), ${r.runs} interleaved runs of each build; wall-clock seconds of the program's own runs; ` +
      'ratios are to the uninstrumented build (min to min, median to median). Every run of every build gave the same output digest. ' +
      '"coldpatched" is the instrumented build after `iprobe coldpatch` (every hook call a NOP of the same length). ' +
      'The last column shows how far apart runs of the very same binary fell on this machine: a ratio inside that spread is not a measured difference.',
    '',
    overhead,
    '### ColdPatch throughput',
    '',
    `Each binary coldpatched ${r.programs[0]?.throughput[0]?.repetitions ?? 0} times, alternating with \`objdump -d\` of the same binary (output to /dev/null); min of each. ` +
      '"iprobe coldpatch" is the whole command as a user runs it, Node start-up included; "coldpatch itself" is the time it reports for the transformation. ' +
      'Text MB: the executable sections coldpatch decodes (all but the PLTs), the same figure for both speeds.',
    '',
    throughput,
    '### Instructions executed (callgrind)',
    '',
    'The same workloads (quick size, one run: counts do not vary from run to run) under `valgrind --tool=callgrind`, summed over every process of the workload ' +
      '(for redis, the server only). Unlike wall time, the counts do not depend on the load of the machine; unlike time, they weigh a NOP like any other ' +
      'instruction, and do not see cache or branch-prediction effects.',
    '',
    instructions,
    '### Targets',
    '',
    overheadTargets(r),
    '',
  ].join('\n');
}

function overheadTargets(r: OverheadResults): string {
  const within = r.programs.filter((p) => contestant(p, 'coldpatched').minRatio <= COLDPATCH_OVERHEAD_TARGET);
  const detail = r.programs
    .map((p) => `${p.program} ${formatRatio(contestant(p, 'coldpatched').minRatio)} (runs spread ${formatRatio(spread(p))})`)
    .join(', ');
  const lines = [`- **Coldpatched within 2% of uninstrumented, by time (min to min): ${within.length} of ${r.programs.length} programs.** ${detail}.`];
  const counted = r.programs.filter((p) => p.instructions);
  if (counted.length > 0) {
    const ratio = (p: ProgramOverhead) => p.instructions!.coldpatched.instructions / p.instructions!.uninstrumented.instructions;
    const ok = counted.filter((p) => ratio(p) <= COLDPATCH_OVERHEAD_TARGET);
    lines.push(
      `- **By instructions executed (callgrind): ${ok.length} of ${counted.length} programs within 2%.** ` +
        `${counted.map((p) => `${p.program} ${formatRatio(ratio(p))}`).join(', ')}.`,
    );
  }
  const binaries = r.programs.flatMap((p) => p.throughput);
  const command = binaries.filter((t) => t.coldpatchSeconds < t.objdumpSeconds);
  const itself = binaries.filter((t) => t.coldpatchInternalSeconds < t.objdumpSeconds);
  lines.push(
    `- **Coldpatch faster than objdump -d: ${command.length} of ${binaries.length} binaries as whole commands** (Node's start-up included); ` +
      `${itself.length} of ${binaries.length} counting the transformation alone.`,
  );
  return lines.join('\n');
}
