#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { packageVersion } from '../util/package-version.js';
import { registerAggregate } from '../parikshan/commands/aggregate.js';
import { registerDuplicate } from '../parikshan/commands/duplicate.js';
import { registerReset, registerStatus } from '../parikshan/commands/status.js';

const program = new Command('parikshan')
  .description('Mirror live traffic to a debug replica without ever slowing production.')
  .version(packageVersion())
  // Subcommands copy these settings when they are created, and runCli applies
  // its own only to the program: without this their usage errors would exit
  // from inside commander and print 'error:' instead of 'parikshan:'.
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'parikshan: ')) });

registerDuplicate(program);
registerAggregate(program);
registerStatus(program);
registerReset(program);

await runCli(program);
