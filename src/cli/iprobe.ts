#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { packageVersion } from '../util/package-version.js';
import { registerBench } from './commands/bench.js';
import { registerColdpatch } from './commands/coldpatch.js';
import { registerFperf } from './commands/fperf.js';
import { registerHot } from './commands/hot.js';
import { registerProbes } from './commands/probes.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerRuntime } from './commands/runtime.js';
import { registerTrace } from './commands/trace.js';

const program = new Command('iprobe')
  .description('Two-stage instrumentation for native services: coldpatch offline, hotpatch live.')
  .version(packageVersion());

// Subcommands: each lives in ./commands/<name>.ts and exports register<Name>(program).
registerColdpatch(program);
registerProbes(program);
registerHot(program);
registerTrace(program);
registerReport(program);
registerFperf(program);
registerRun(program);
registerRuntime(program);
registerBench(program);

await runCli(program);
