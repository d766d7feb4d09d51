import type { Command } from 'commander';
import { coldpatch, defaultOutputPath, type ColdpatchSummary } from '../../coldpatch/coldpatch.js';
import { probeListPathFor } from '../../probelist/probe-list.js';
import { ProgressLine } from '../progress-line.js';

interface ColdpatchFlags {
  output?: string;
  probes?: string;
  strip?: boolean;
  only?: string[];
  json?: boolean;
  quiet?: boolean;
}

export function registerColdpatch(program: Command): void {
  program
    .command('coldpatch')
    .description(
      'Replace every -finstrument-functions hook call of a binary by a NOP of the same length and write its probe list',
    )
    .argument('<binary>', 'ELF64 x86-64 executable or shared library built with -finstrument-functions')
    .option('-o, --output <file>', 'coldpatched binary to write (default: <binary>.coldpatched)')
    .option('--probes <file>', 'probe list to write (default: <output>.probes.json)')
    .option('--strip', 'strip symbols and debug info from the output (the probe list keeps the names)')
    .option('--only <glob...>', 'coldpatch only these functions (shell globs on the name); others keep their calls')
    .option('--json', 'print a machine-readable summary on stdout')
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Nothing is written when anything fails; the input is never modified.
Running coldpatch on its own output reports that it is already coldpatched.

Examples:
  iprobe coldpatch ./server                 writes ./server.coldpatched and ./server.coldpatched.probes.json
  iprobe coldpatch ./libfoo.so -o /srv/lib/libfoo.so --strip
  iprobe coldpatch ./server --only 'handle_*' --json`,
    )
    .action(async (binary: string, flags: ColdpatchFlags) => {
      const progress = new ProgressLine('coldpatch', !flags.quiet && !flags.json);
      const summary = await coldpatch({
        input: binary,
        output: flags.output,
        probes: flags.probes,
        strip: flags.strip,
        only: flags.only,
        onProgress: (done, total, section) => progress.update(done, total, `sweeping ${section}`),
      });
      progress.done();
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(describe(summary, flags));
    });
}

function describe(s: ColdpatchSummary, flags: ColdpatchFlags): string {
  if (s.status === 'already-coldpatched') return `${s.input}: ${s.message}\n`;
  const output = flags.output ?? defaultOutputPath(s.input);
  const lines = [
    `coldpatched ${s.input} -> ${output}`,
    `  probe list: ${flags.probes ?? probeListPathFor(output)}`,
    `  sites: ${total(s)} in ${s.functions} functions (${s.sites.entry} entry, ${s.sites.exit} exit of which ${s.tailJumps} tail jumps, ${s.sites.point} IPROBE_POINT, ${s.sites['patchable-entry']} patchable entries)`,
    `  bytes changed: ${s.bytesChanged}; swept ${mb(s.sweep?.bytes ?? 0)} of code (${s.sweep?.instructions ?? 0} instructions) in ${s.seconds.toFixed(3)} s`,
  ];
  if (s.notSelected > 0) lines.push(`  left live (not selected by --only): ${s.notSelected} hook calls`);
  for (const skipped of s.skipped) lines.push(`  left in place at 0x${skipped.address.toString(16)}: ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}

const total = (s: ColdpatchSummary) => Object.values(s.sites).reduce((a, b) => a + b, 0);
const mb = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`);
