/** The generated config: the user's config included, one section per label, the flags, and the hook only on the cold label. */
import { describe, expect, test } from 'vitest';
import { CONFIG_MARKER, generateSpecConfig } from '../../src/spec-cpu/spec-config.js';

const hookArgv = ['/usr/bin/node', '/opt/iprobe/dist/spec-cpu/coldpatch-hook.js'];

/** Section name -> its indented lines, as runcpu reads sections (a marker line ends with ':'). */
function sections(config: string): Map<string, string[]> {
  const result = new Map<string, string[]>([['header', []]]);
  let current = 'header';
  for (const line of config.split('\n')) {
    if (/^[^\s#].*:$/.test(line)) result.set((current = line.slice(0, -1)), []);
    else if (line.trim() !== '' && !line.trim().startsWith('#')) result.get(current)!.push(line.trim());
  }
  return result;
}

describe.each(['cpu2017', 'cpu2006'] as const)('%s', (version) => {
  const config = generateSpecConfig({ version, baseConfig: 'mine.cfg', hookArgv, toolVersion: '0.1.0' });
  const parsed = sections(config);

  test('starts with the marker, includes the base config in the header section', () => {
    expect(config.split('\n')[0]!.startsWith(CONFIG_MARKER)).toBe(true);
    expect(parsed.get('header')).toEqual(['include: mine.cfg']);
  });

  test('plain adds no flag; instr adds -finstrument-functions to C and C++; cold adds it and the hook', () => {
    expect([...parsed.keys()]).toEqual(['header', 'default=default=iprobe-plain', 'default=default=iprobe-instr', 'default=default=iprobe-cold']);
    expect(parsed.get('default=default=iprobe-plain')).toEqual(['IPROBE_VARIANT    = plain']);
    const flags = ['EXTRA_COPTIMIZE   = -finstrument-functions', 'EXTRA_CXXOPTIMIZE = -finstrument-functions'];
    expect(parsed.get('default=default=iprobe-instr')).toEqual(['IPROBE_VARIANT    = instr', ...flags]);
    expect(parsed.get('default=default=iprobe-cold')).toEqual([
      'IPROBE_VARIANT    = cold',
      ...flags,
      'build_post_bench  = /usr/bin/node /opt/iprobe/dist/spec-cpu/coldpatch-hook.js',
    ]);
  });

  test('names the version\'s checksum option and its tag option', () => {
    expect(config).toContain(version === 'cpu2017' ? 'keep verify_binaries at its' : 'keep check_md5 at its');
    expect(config).toContain(version === 'cpu2017' ? 'runcpu --label=NAME' : 'runspec --extension=NAME');
    expect(config).toContain('--noreportable');
  });
});

test('paths with spaces are quoted for the shell; $ # quotes and backslashes are refused', () => {
  const spaced = generateSpecConfig({ version: 'cpu2017', baseConfig: 'b.cfg', hookArgv: ['/usr/bin/node', '/opt/my iprobe/hook.js'], toolVersion: 'x' });
  expect(spaced).toContain("build_post_bench  = /usr/bin/node '/opt/my iprobe/hook.js'");
  for (const bad of ['/opt/$HOME/hook.js', '/opt/a#b/hook.js', "/opt/it's/hook.js", '/opt/a\\b/hook.js']) {
    expect(() => generateSpecConfig({ version: 'cpu2017', baseConfig: 'b.cfg', hookArgv: ['/usr/bin/node', bad], toolVersion: 'x' })).toThrow(
      /cannot put .* in a SPEC config/,
    );
  }
});
