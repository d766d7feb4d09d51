import type { Command } from 'commander';
import { loadProbeListFor } from '../../probelist/load-probe-list.js';
import type { ProbeList } from '../../probelist/probe-list.js';
import { NameMatcher } from '../../util/name-glob.js';
import { formatTable } from '../format-table.js';

interface ProbesFlags {
  probes?: string;
  fn?: string[];
  json?: boolean;
}

export function registerProbes(program: Command): void {
  program
    .command('probes')
    .description('Show the probe list of a coldpatched binary: functions and their sites')
    .argument('<target>', 'coldpatched binary (its <binary>.probes.json is read) or a probe list file')
    .option('--probes <file>', 'probe list to read instead of the one next to the binary')
    .option('--fn <glob...>', 'only functions matching these shell globs')
    .option('--json', 'print the summary as JSON')
    .action(async (target: string, flags: ProbesFlags) => {
      const { list, listPath } = await loadProbeListFor(target, flags.probes);
      const rows = functionRows(list, flags.fn);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ probeList: listPath, binary: list.binary, functions: rows }, null, 2)}\n`);
        return;
      }
      const sites = rows.reduce((n, r) => n + r.entry + r.exit + r.point + r.patchable, 0);
      process.stdout.write(
        `${list.binary.file}: build-id ${list.binary.buildId ?? 'none'}, ${sites} sites in ${rows.length} functions (${listPath})\n`,
      );
      process.stdout.write(
        formatTable(
          ['function', 'address', 'entry', 'exit', 'points', 'source'],
          rows.map((r) => [r.name, `0x${r.address.toString(16)}`, r.entry, r.exit, r.point + r.patchable, r.source]),
        ),
      );
    });
}

interface FunctionRow {
  name: string;
  address: number;
  entry: number;
  exit: number;
  point: number;
  patchable: number;
  source: string;
}

function functionRows(list: ProbeList, globs: string[] | undefined): FunctionRow[] {
  const matcher = globs?.length ? new NameMatcher(globs) : undefined;
  const rows = list.functions.map((f) => ({
    name: f.name,
    address: f.address,
    entry: 0,
    exit: 0,
    point: 0,
    patchable: 0,
    source: f.file ? `${f.file.split('/').pop()}:${f.line}` : '',
  }));
  for (const s of list.sites) {
    const row = rows[s.function]!;
    if (s.kind === 'patchable-entry') row.patchable++;
    else row[s.kind]++;
  }
  return rows
    .filter((r, i) => !matcher || matcher.matches(r.name, list.functions[i]!.linkName))
    .sort((a, b) => a.address - b.address);
}
