import { Command, Option } from 'commander';
import { listProbes, type ProbeListing } from '../../hotpatch/probe-listing.js';
import { switchProbes, type SwitchOutcome } from '../../hotpatch/probe-switch.js';
import { DEFAULT_KINDS } from '../../hotpatch/site-selection.js';
import type { SiteKind } from '../../probelist/probe-list.js';
import { UserError } from '../../util/user-error.js';
import { formatTable } from '../format-table.js';
import { parsePid } from '../parse-numbers.js';

interface HotFlags {
  fn?: string[];
  all?: boolean;
  off?: boolean;
  entryOnly?: boolean;
  exitOnly?: boolean;
  probes?: string[];
  list?: boolean;
  json?: boolean;
}

export function registerHot(program: Command): void {
  program
    .command('hot')
    .description('Switch probes of a running process on or off (all its threads stop for well under a millisecond)')
    .argument('<pid>', 'process to patch', parsePid)
    .option('--fn <glob...>', 'functions (or IPROBE_POINT names) whose probes to switch: shell globs')
    .option('--all', 'every probe in the process')
    .option('--off', 'switch the probes off (write the placeholders back)')
    .addOption(new Option('--entry-only', 'only function-entry probes').conflicts('exitOnly'))
    .addOption(new Option('--exit-only', 'only function-exit probes'))
    .option('--probes <file...>', 'probe lists to use (default: <binary>.probes.json next to each mapped binary)')
    .option('--list', 'show which functions have probes and which are on; change nothing')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  iprobe hot 4242 --fn 'handle_*'          switch on the entry and exit probes of matching functions
  iprobe hot 4242 --fn 'handle_*' --off    and off again
  iprobe hot 4242 --list                   what has probes, what is on

Every site is compared with the probe list before it is written; any failure
rolls back the whole operation and leaves the process running untouched.`,
    )
    .action(async (pid: number, flags: HotFlags) => {
      if (flags.list) {
        const listing = await listProbes(pid, flags.probes);
        process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : describeListing(listing));
        return;
      }
      if (!flags.all && !flags.fn?.length) {
        throw new UserError('say which probes: --fn GLOB… or --all', `see what there is with: iprobe hot ${pid} --list`, 2);
      }
      const kinds: ReadonlySet<SiteKind> = flags.entryOnly ? new Set(['entry']) : flags.exitOnly ? new Set(['exit']) : DEFAULT_KINDS;
      const outcome = await switchProbes({
        pid,
        on: !flags.off,
        selection: { functions: flags.fn ?? [], all: flags.all === true, kinds },
        probeLists: flags.probes,
      });
      const { changedSites: _sites, ...summary } = outcome;
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : describeOutcome(outcome));
    });
}

function describeOutcome(o: SwitchOutcome): string {
  const state = o.on ? 'on' : 'off';
  const lines = [
    `switched ${state} ${o.changed} sites in ${o.functions.length} functions of ${o.objects.join(', ')} (process ${o.pid})` +
      (o.unchanged ? `; ${o.unchanged} already ${state}` : ''),
  ];
  if (o.patch) {
    lines.push(
      `  stop window ${(o.patch.stopWindowNs / 1e6).toFixed(3)} ms, ${o.patch.threads} threads stopped, ${o.patch.singleSteps} single-steps`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function describeListing(l: ProbeListing): string {
  const head = [
    `process ${l.pid}: runtime ${l.runtime ?? 'not loaded'}`,
    ...l.objects.map((o) => `  ${o.path}: ${o.sites} sites (${o.probeList}, load bias 0x${o.bias.toString(16)})`),
  ];
  const table = formatTable(
    ['function', 'address', 'sites', 'on'],
    l.functions.map((f) => [f.name, `0x${f.address.toString(16)}`, f.sites, f.on]),
  );
  return `${head.join('\n')}\n${table}`;
}
