#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { packageVersion } from '../util/package-version.js';
import { registerAggregate } from '../parikshan/commands/aggregate.js';
import { registerDuplicate } from '../parikshan/commands/duplicate.js';
import { registerModel } from '../parikshan/commands/model.js';
import { registerSimulate } from '../parikshan/commands/simulate.js';
import { registerReset, registerStatus } from '../parikshan/commands/status.js';

const program = new Command('parikshan')
  .description('Mirror live traffic to a debug replica without ever slowing production.')
  .version(packageVersion());

registerDuplicate(program);
registerAggregate(program);
registerStatus(program);
registerReset(program);
registerModel(program);
registerSimulate(program);

await runCli(program);
