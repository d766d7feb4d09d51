import type { Command } from 'commander';
import { UserError } from '../util/user-error.js';

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
    command.configureOutput({
      outputError: (text, write) => write(text.startsWith('error: ') ? `${name}: ${text.slice(7)}` : text),
    });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(name, err);
  }
}

function exitCodeFor(name: string, err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`${name}: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    return err.exitCode;
  }
  // commander has already printed its own message (usage errors, --help, --version).
  const commanderCode = (err as { code?: string; exitCode?: number }).code;
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    return (err as { exitCode: number }).exitCode;
  }
  process.stderr.write(`${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 70;
}
