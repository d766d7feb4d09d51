/**
 * Shell-style globs for function names: `*` any run of characters, `?` one
 * character, `[...]` a class. Nothing else is special, so C++ names with
 * `::`, `<>` and `()` can be written as they are. (Path-glob libraries treat
 * `/`, `()` and `!` specially, which is wrong for symbol names.)
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) source += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The names a function answers to: demangled, demangled without parameters, and as linked. */
export function functionNameForms(name: string, linkName: string): string[] {
  const paren = name.indexOf('(');
  return paren > 0 ? [name, name.slice(0, paren), linkName] : [name, linkName];
}

export class NameMatcher {
  private readonly patterns: RegExp[];

  constructor(globs: readonly string[]) {
    this.patterns = globs.map(globToRegExp);
  }

  matches(name: string, linkName: string): boolean {
    const forms = functionNameForms(name, linkName);
    return this.patterns.some((p) => forms.some((f) => p.test(f)));
  }
}
