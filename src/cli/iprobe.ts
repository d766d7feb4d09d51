#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { packageVersion } from '../util/package-version.js';
import { registerColdpatch } from './commands/coldpatch.js';
import { registerFperf } from './commands/fperf.js';
import { registerProbes } from './commands/probes.js';

const program = new Command('iprobe')
  .description('Two-stage instrumentation for native services: coldpatch offline, hotpatch live.')
  .version(packageVersion());

// Subcommands: each lives in ./commands/<name>.ts and exports register<Name>(program).
registerColdpatch(program);
registerProbes(program);
registerFperf(program);

await runCli(program);
