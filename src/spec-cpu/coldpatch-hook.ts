#!/usr/bin/env node
/**
 * build_post_bench of the iprobe-cold label: coldpatches the executables of
 * the build directory it runs in. The tools send its output to
 * build_post_bench.out/.err in that directory and stop the whole build if it
 * exits non-zero, so a failure here can never end up measured as "coldpatched".
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { runCli } from '../cli/run-cli.js';
import { buildDirLayout, coldpatchBuildDir } from './coldpatch-build-dir.js';

const program = new Command('iprobe-spec-coldpatch-hook')
  .description('Coldpatch every instrumented executable of a SPEC build directory in place (the iprobe-cold build_post_bench)')
  .argument('[build-dir]', 'the build directory (default: the current directory, where the tools run the hook)', '.')
  .action(async (dir: string) => {
    const buildDir = path.resolve(dir);
    const layout = buildDirLayout(buildDir);
    if (layout) await mkdir(layout.exeDir, { recursive: true });
    for (const exe of await coldpatchBuildDir(buildDir)) {
      const where = exe.exeDirProbeList ? `, copied to ${exe.exeDirProbeList}` : '';
      process.stdout.write(`iprobe-spec: ${exe.name}: ${exe.status}, ${exe.sites} sites; probe list ${exe.probeList}${where}\n`);
    }
  });

await runCli(program);
