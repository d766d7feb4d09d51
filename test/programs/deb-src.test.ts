import { describe, expect, it } from 'vitest';
import { addDebSrcToDeb822, addDebSrcToOneLine } from '../../src/bench/programs/deb-src.js';
import { hostReleaseOptions } from '../../src/bench/programs/fetch-source.js';

describe('enabling deb-src', () => {
  it('adds deb-src to deb822 Types lines that lack it, and only those', () => {
    const sources = [
      'Types: deb',
      'URIs: http://deb.debian.org/debian',
      'Suites: bookworm bookworm-updates',
      '',
      'Types: deb deb-src',
      'URIs: http://deb.debian.org/debian-security',
      '',
      'types: deb',
      'URIs: http://example.invalid/other',
      '',
    ].join('\n');
    const after = addDebSrcToDeb822(sources);
    expect(after.split('\n').filter((l) => /^types:/i.test(l))).toEqual(['Types: deb deb-src', 'Types: deb deb-src', 'types: deb deb-src']);
    expect(addDebSrcToDeb822(after)).toBe(after);
  });

  it('adds a deb-src twin after one-line deb entries that have none', () => {
    const list = [
      '# comment',
      'deb http://deb.debian.org/debian bookworm main',
      'deb [arch=amd64] http://deb.debian.org/debian-security bookworm-security main',
      'deb-src [arch=amd64] http://deb.debian.org/debian-security bookworm-security main',
      '',
    ].join('\n');
    const after = addDebSrcToOneLine(list);
    expect(after.split('\n')).toEqual([
      '# comment',
      'deb http://deb.debian.org/debian bookworm main',
      'deb-src http://deb.debian.org/debian bookworm main',
      'deb [arch=amd64] http://deb.debian.org/debian-security bookworm-security main',
      'deb-src [arch=amd64] http://deb.debian.org/debian-security bookworm-security main',
      '',
    ]);
    expect(addDebSrcToOneLine(after)).toBe(after);
  });
});

describe('choosing the source release', () => {
  it("asks for the host's own release, whatever newer releases APT also lists", () => {
    expect(hostReleaseOptions('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')).toEqual(['-t', 'bookworm']);
    expect(hostReleaseOptions('PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\n')).toEqual([]);
  });
});
