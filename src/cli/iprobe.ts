#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { packageVersion } from '../util/package-version.js';

const program = new Command('iprobe')
  .description('Two-stage instrumentation for native services: coldpatch offline, hotpatch live.')
  .version(packageVersion());

type Register = (program: Command) => void;

// Subcommands: each lives in ./commands/<name>.ts and exports register<Name>(program).
// They are imported on demand: a command run by name loads only its own
// modules (`iprobe hot` is run often, against a live service, and loading
// every command's modules cost it a third of its time); help and unknown
// commands load them all.
const COMMANDS: [name: string, load: () => Promise<Register>][] = [
  ['coldpatch', async () => (await import('./commands/coldpatch.js')).registerColdpatch],
  ['probes', async () => (await import('./commands/probes.js')).registerProbes],
  ['hot', async () => (await import('./commands/hot.js')).registerHot],
  ['trace', async () => (await import('./commands/trace.js')).registerTrace],
  ['report', async () => (await import('./commands/report.js')).registerReport],
  ['fperf', async () => (await import('./commands/fperf.js')).registerFperf],
  ['run', async () => (await import('./commands/run.js')).registerRun],
  ['runtime', async () => (await import('./commands/runtime.js')).registerRuntime],
  ['bench', async () => (await import('./commands/bench.js')).registerBench],
];

const named = COMMANDS.find(([name]) => name === process.argv[2]);
for (const [, load] of named ? [named] : COMMANDS) (await load())(program);

await runCli(program);
