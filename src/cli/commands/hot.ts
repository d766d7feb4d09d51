import { Command, Option } from 'commander';
import { listProbes, type ProbeListing } from '../../hotpatch/probe-listing.js';
import { switchProbes, type SwitchOutcome } from '../../hotpatch/probe-switch.js';
import { DEFAULT_KINDS } from '../../hotpatch/site-selection.js';
import type { SiteKind } from '../../probelist/probe-list.js';
import { parsePid } from '../../util/parse-numbers.js';
import { UsageError } from '../../util/user-error.js';
import { describeRuntime, injectionJson } from '../../hotpatch/runtime-description.js';
import { formatTable } from '../format-table.js';

interface HotFlags {
  fn?: string[];
  all?: boolean;
  off?: boolean;
  entryOnly?: boolean;
  exitOnly?: boolean;
  probes?: string[];
  list?: boolean;
  json?: boolean;
  detachRuntime?: boolean;
}

export function registerHot(program: Command): void {
  program
    .command('hot')
    .description(
      'Switch probes of a running process on or off (all its threads stop while the sites are written: 1–2 ms for 100 sites and about 3 ms for 10,000 beside busy threads, measured by iprobe bench; each run prints its stop window)',
    )
    .argument('<pid>', 'process to patch', (text: string) => parsePid(text))
    .option('--fn <glob...>', 'functions (or IPROBE_POINT names) whose probes to switch: shell globs')
    .option('--all', 'every probe in the process')
    .option('--off', 'switch the probes off (write the placeholders back)')
    .addOption(new Option('--entry-only', 'only function-entry probes').conflicts('exitOnly'))
    .addOption(new Option('--exit-only', 'only function-exit probes'))
    .option('--probes <file...>', 'probe lists to use (default: <binary>.probes.json next to each mapped binary)')
    .option('--list', 'show which functions have probes and which are on; change nothing')
    .option('--detach-runtime', 'with --off: also put back the GOT slots an injected runtime was given (all probes must end up off)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  iprobe hot 4242 --fn 'handle_*'          switch on the entry and exit probes of matching functions
  iprobe hot 4242 --fn 'handle_*' --off    and off again
  iprobe hot 4242 --list                   what has probes, what is on
  iprobe hot 4242 --all --off --detach-runtime
                                           all off, and the GOT as it was before injection

A process started without the runtime gets it injected (a remote dlopen in
one of its threads) before the first probe goes on. Every site and GOT slot
is compared before it is written; any failure rolls back the whole operation
and leaves the process running untouched.`,
    )
    .action(async (pid: number, flags: HotFlags) => {
      if (flags.list) {
        const changes = (['fn', 'all', 'off', 'entryOnly', 'exitOnly', 'detachRuntime'] as const).filter((key) => flags[key] !== undefined);
        if (changes.length > 0) throw new UsageError(`--list changes nothing: give it without ${changes.map(flagName).join(', ')}`);
        const listing = await listProbes(pid, flags.probes);
        process.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : describeListing(listing));
        return;
      }
      if (flags.detachRuntime && !flags.off) {
        throw new UsageError('--detach-runtime goes with --off', `iprobe hot ${pid} --all --off --detach-runtime`);
      }
      if (flags.detachRuntime && !flags.fn?.length) flags.all = true;
      if (!flags.all && !flags.fn?.length) {
        throw new UsageError('say which probes: --fn GLOB… or --all', `see what there is with: iprobe hot ${pid} --list`);
      }
      const kinds: ReadonlySet<SiteKind> = flags.entryOnly ? new Set(['entry']) : flags.exitOnly ? new Set(['exit']) : DEFAULT_KINDS;
      const outcome = await switchProbes({
        pid,
        on: !flags.off,
        selection: { functions: flags.fn ?? [], all: flags.all === true, kinds },
        probeLists: flags.probes,
        detachRuntime: flags.detachRuntime,
      });
      const { changedSites: _sites, ...summary } = outcome;
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ ...summary, injection: injectionJson(outcome.injection) }, null, 2)}\n`
          : describeOutcome(outcome, flags.detachRuntime === true),
      );
    });
}

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function describeOutcome(o: SwitchOutcome, detach: boolean): string {
  const state = o.on ? 'on' : 'off';
  const lines = [
    describeRuntime(o.pid, o.runtime, o.injection),
    `switched ${state} ${o.changed} sites in ${o.functions.length} functions of ${o.objects.join(', ')} (process ${o.pid})` +
      (o.unchanged ? `; ${o.unchanged} already ${state}` : ''),
  ];
  if (o.slots > 0 || detach) {
    lines.push(o.on ? `  ${o.slots} hook slots (GOT) pointed at the injected runtime` : `  ${o.slots} hook slots (GOT) put back as before the injection`);
  }
  if (o.patch) {
    lines.push(
      `  stop window ${(o.patch.stopWindowNs / 1e6).toFixed(3)} ms, ${o.patch.threads} threads stopped, ${o.patch.restops} re-stops`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function describeListing(l: ProbeListing): string {
  const head = [
    `process ${l.pid}: runtime ${l.runtime ? `${l.runtime} (${l.runtimeOrigin}${l.runtimeOrigin === 'injected' ? `, ${l.redirectedSlots} GOT slots redirected` : ''})` : 'not loaded (injected at the first --fn/--all)'}`,
    ...l.objects.map((o) => `  ${o.path}: ${o.sites} sites (${o.probeList}, load bias 0x${o.bias.toString(16)})`),
    ...l.lostSlots.map(
      (s) =>
        `  warning: the ${s.hook} slot of ${s.object} at 0x${s.address.toString(16)} no longer points at the runtime (holds ${s.value ?? 'unreadable memory'}): ` +
        `its probes count nothing; switch them on again (iprobe hot ${l.pid} --fn …) to re-point it`,
    ),
  ];
  const table = formatTable(
    ['function', 'address', 'sites', 'on'],
    l.functions.map((f) => [f.name, `0x${f.address.toString(16)}`, f.sites, f.on]),
  );
  return `${head.join('\n')}\n${table}`;
}
