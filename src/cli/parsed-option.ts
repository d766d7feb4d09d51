import { Option } from 'commander';

/**
 * An option whose value goes through one of the shared parsers
 * (src/util/parse-*.ts) while commander parses the command line, before any
 * action runs. The parser is told the option's flag, so its usage error
 * names it ("--limit: not a count: 'abc' …") and exits 2 through run-cli.
 */
export function parsedOption<T>(flags: string, description: string, parse: (text: string, option: string) => T): Option {
  const option = new Option(flags, description);
  const name = option.long ?? option.short ?? flags;
  return option.argParser((text: string) => parse(text, name));
}
