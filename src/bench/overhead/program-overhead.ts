/**
 * Paper Figure 5.6: real programs from Debian sources, uninstrumented vs
 * -finstrument-functions vs coldpatched, interleaved runs of each; and
 * coldpatch's own speed on each binary next to `objdump -d`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildProgram } from '../programs/build-program.js';
import { PROGRAMS, programByName } from '../programs/catalog/index.js';
import { compareRuns, type Comparison } from '../programs/compare-runs.js';
import type { WorkloadSize } from '../programs/program.js';
import { instrumentedVariant, plainVariant } from '../programs/variant.js';
import { runCommand } from '../programs/run-command.js';
import { checkInstalled, type Availability } from '../suite/availability.js';
import type { BenchContext, Experiment, ExperimentOutput } from '../suite/experiment.js';
import { measureColdpatchThroughput, type ColdpatchThroughput } from './coldpatch-throughput.js';
import { countWorkloadInstructions, type InstructionTotal } from './program-instructions.js';
import { overheadFigure } from './overhead-figure.js';
import { overheadMarkdown } from './overhead-markdown.js';

/** The programs --quick runs: the cheapest build and workload. */
export const QUICK_PROGRAMS = ['bzip2'];

export const CONTESTANTS = ['uninstrumented', 'instrumented', 'coldpatched'] as const;

export interface ProgramOverhead {
  program: string;
  version: string;
  comparison: Comparison;
  throughput: ColdpatchThroughput[];
  /** Under callgrind, at the quick workload size; absent when valgrind is not available. */
  instructions?: { uninstrumented: InstructionTotal; coldpatched: InstructionTotal };
}

export interface OverheadResults {
  size: WorkloadSize;
  runs: number;
  /** Whether callgrind counted instructions (it always runs the quick workloads: counts need no repetition). */
  callgrind: Availability;
  programs: ProgramOverhead[];
}

export function programsExperiment(names?: readonly string[]): Experiment {
  return {
    id: 'programs',
    title: 'Real programs: uninstrumented vs instrumented vs coldpatched (paper Figure 5.6)',
    run: (ctx) => runProgramOverhead(ctx, names),
  };
}

async function runProgramOverhead(ctx: BenchContext, names?: readonly string[]): Promise<ExperimentOutput> {
  const programs = (names ?? (ctx.quick ? QUICK_PROGRAMS : PROGRAMS.map((p) => p.name))).map(programByName);
  const size: WorkloadSize = ctx.quick ? 'quick' : 'full';
  const runs = ctx.quick ? 3 : 5;
  const callgrind = await checkInstalled('valgrind', 'valgrind', runCommand);
  const results: OverheadResults = { size, runs, callgrind, programs: [] };
  for (const [i, program] of programs.entries()) {
    const step = (line: string) => ctx.progress(`${program.name} (${i + 1}/${programs.length}): ${line}`);
    const build = { cacheDir: ctx.cacheDir, progress: step };
    step('build uninstrumented and instrumented (cached after the first time)');
    const plain = await buildProgram(program.name, plainVariant, build);
    const instrumented = await buildProgram(program.name, instrumentedVariant, build);
    const dir = path.join(ctx.workDir, program.name);
    mkdirSync(dir, { recursive: true });
    const coldpatched: Record<string, string> = {};
    const throughput: ColdpatchThroughput[] = [];
    for (const [name, binary] of Object.entries(instrumented.binaries)) {
      step(`coldpatch ${name}, timed next to objdump -d`);
      coldpatched[name] = path.join(dir, name);
      throughput.push(await measureColdpatchThroughput(binary, coldpatched[name]!, 3));
    }
    const comparison = await compareRuns(
      program,
      [
        { label: CONTESTANTS[0], binaries: plain.binaries },
        { label: CONTESTANTS[1], binaries: instrumented.binaries },
        { label: CONTESTANTS[2], binaries: { ...instrumented.binaries, ...coldpatched } },
      ],
      {
        runs,
        size,
        onRun: (label, round, result) => step(`run ${round + 1}/${runs} ${label}: ${result.seconds.toFixed(2)} s`),
      },
    );
    const entry: ProgramOverhead = { program: program.name, version: plain.version, comparison, throughput };
    if (callgrind.available) {
      const count = async (label: string, binaries: Record<string, string>) => {
        step(`count the instructions of the ${label} build under callgrind (quick workload, one run)`);
        const countDir = path.join(dir, `callgrind-${label}`);
        mkdirSync(countDir, { recursive: true });
        return countWorkloadInstructions(program, binaries, countDir, 'quick');
      };
      const uninstrumented = await count('uninstrumented', plain.binaries);
      const coldpatchedCount = await count('coldpatched', { ...instrumented.binaries, ...coldpatched });
      if (uninstrumented.outputDigest !== coldpatchedCount.outputDigest) {
        throw new Error(`${program.name}: the coldpatched build's output under callgrind differs from the uninstrumented build's`);
      }
      entry.instructions = { uninstrumented, coldpatched: coldpatchedCount };
    }
    results.programs.push(entry);
  }
  return { markdown: overheadMarkdown(results), svg: await overheadFigure(results), data: results };
}
