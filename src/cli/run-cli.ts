import type { Command } from 'commander';
import { USAGE_EXIT, UserError } from '../util/user-error.js';

/**
 * Runs a commander program and turns failures into what an operator expects:
 * one line on stderr and a non-zero exit for anything they can fix, a stack
 * trace only for our own bugs.
 */
export async function runCli(program: Command, argv = process.argv): Promise<void> {
  const name = program.name();
  // `iprobe … | head` closes the pipe early: that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  // Subcommands copy these settings only when they are created, so apply
  // them to the whole tree: usage errors then print `<name>: …` and reach
  // the handler below instead of exiting from inside commander.
  const configure = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ outputError: (text, write) => write(`${name}: ${oneLine(text)}\n`) });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(name, err);
  }
}

/**
 * commander's error text as one line in the shared parsers' style: "unknown
 * option '--limit'\n(Did you mean --list?)" on one line, and a value refused
 * by choices() as "--log-level: invalid value 'loud' (allowed choices are …)".
 */
function oneLine(text: string): string {
  const line = text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ');
  const refused = /^option '(?:-\w, )?(-[^\s',]+)[^']*' argument '(.*)' is invalid\. (.*?)\.?$/.exec(line);
  if (!refused) return line;
  const [, flag, value, why] = refused;
  return `${flag}: invalid value '${value}' (${why!.charAt(0).toLowerCase()}${why!.slice(1)})`;
}

function exitCodeFor(name: string, err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`${name}: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    return err.exitCode;
  }
  // commander has already printed its own message: --help and --version
  // exit 0; everything else it reports (unknown option or command, missing
  // or extra argument, a value it refused, conflicting options, no command
  // at all) is a usage error.
  const commander = err as { code?: unknown; exitCode?: number };
  if (typeof commander.code === 'string' && commander.code.startsWith('commander.')) {
    return commander.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  process.stderr.write(`${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 70;
}
