import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../util/user-error.js';
import { runCommand } from './run-command.js';
import type { ProgressSink } from './progress.js';

/**
 * deb822 sources (`*.sources`, Debian 12's default): adds `deb-src` to every
 * `Types:` line that has `deb` but not `deb-src`.
 */
export function addDebSrcToDeb822(text: string): string {
  return text.replace(/^(Types:[ \t]*)([^\n]*)$/gim, (line, key: string, types: string) => {
    const words = types.trim().split(/\s+/);
    return words.includes('deb') && !words.includes('deb-src') ? `${key}${[...words, 'deb-src'].join(' ')}` : line;
  });
}

/** One-line sources (`sources.list`, `*.list`): adds a `deb-src` twin after every `deb` line that lacks one. */
export function addDebSrcToOneLine(text: string): string {
  const lines = text.split('\n');
  const present = new Set(lines.filter((l) => /^\s*deb-src\s/.test(l)).map((l) => l.trim().replace(/^deb-src/, '')));
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    const match = /^\s*deb(\s.*)$/.exec(line);
    if (match && !present.has(match[1]!.trimEnd())) out.push(`deb-src${match[1]!.trimEnd()}`);
  }
  return out.join('\n');
}

/**
 * Enables source packages in every APT source that offers binary packages,
 * then refreshes the package lists. Needs root; a non-root caller gets a
 * UserError telling what to do.
 */
export async function enableDebSrc(progress: ProgressSink, aptDir = '/etc/apt'): Promise<void> {
  const candidates = [path.join(aptDir, 'sources.list')];
  const partsDir = path.join(aptDir, 'sources.list.d');
  for (const name of await fs.readdir(partsDir).catch(() => [] as string[])) {
    if (name.endsWith('.sources') || name.endsWith('.list')) candidates.push(path.join(partsDir, name));
  }
  const changes: { file: string; text: string }[] = [];
  for (const file of candidates) {
    const before = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (before === undefined) continue;
    const after = file.endsWith('.sources') ? addDebSrcToDeb822(before) : addDebSrcToOneLine(before);
    if (after !== before) changes.push({ file, text: after });
  }
  if (changes.length > 0) {
    if (process.getuid?.() !== 0) {
      throw new UserError(
        'APT has no deb-src sources, so apt-get source cannot fetch Debian sources',
        `as root, add deb-src to the Types: line of ${path.join(partsDir, 'debian.sources')} and run apt-get update`,
      );
    }
    progress(`enabling deb-src in ${changes.map((c) => c.file).join(', ')}`);
    for (const change of changes) await fs.writeFile(change.file, change.text);
  }
  if (process.getuid?.() !== 0) {
    throw new UserError('the source package lists are missing', 'run apt-get update as root');
  }
  progress('apt-get update (source package lists)');
  await runCommand('apt-get', ['update', '-qq', '-o', 'DPkg::Lock::Timeout=300']);
}
