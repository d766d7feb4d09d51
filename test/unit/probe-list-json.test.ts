import { describe, expect, test } from 'vitest';
import type { ProbeList } from '../../src/probelist/probe-list.js';
import { parseProbeList, serializeProbeList } from '../../src/probelist/probe-list-json.js';
import { UserError } from '../../src/util/user-error.js';

const identity = { file: 'app', buildId: 'ab12', sha256: 'a'.repeat(64), size: 1234 };
const sample: ProbeList = {
  version: 1,
  tool: 'iprobe test',
  binary: { ...identity, elfType: 'dyn', linkBase: 0, pie: true, bindNow: false, relro: true, stripped: false },
  source: { ...identity, sha256: 'b'.repeat(64) },
  hooks: { entry: { plt: [0x1050], got: [0x4010] }, exit: { plt: [0x1040], got: [0x4008] }, point: { slot: 0x4018, slotDefault: 0x11cc } },
  functions: [{ name: 'f', linkName: 'f', address: 0x1200, size: 96, file: 'a.c', line: 3 }],
  sites: [
    {
      address: 0x121a,
      length: 5,
      kind: 'entry',
      form: 'call',
      function: 0,
      original: Buffer.from('e831feffff', 'hex'),
      placeholder: Buffer.from('0f1f440000', 'hex'),
      enable: Buffer.from('e831feffff', 'hex'),
      file: 'a.c',
      line: 3,
    },
    {
      address: 0x1230,
      length: 5,
      kind: 'exit',
      form: 'tail-jump',
      function: 0,
      original: Buffer.from('e90bfeffff', 'hex'),
      placeholder: Buffer.from('c30f1f4000', 'hex'),
      enable: Buffer.from('e90bfeffff', 'hex'),
    },
  ],
};

test('round trip', () => {
  const text = serializeProbeList(sample);
  expect(parseProbeList(text, 'x')).toEqual(sample);
  expect(text).toContain('"address":"0x121a"');
  // One site per line keeps large lists greppable and diffable.
  expect(text.split('\n').filter((l) => l.includes('"kind"'))).toHaveLength(2);
});

describe('malformed lists are refused with the field named', () => {
  const mutate = (f: (doc: any) => void) => {
    const doc = JSON.parse(serializeProbeList(sample));
    f(doc);
    return JSON.stringify(doc);
  };
  test.each([
    ['not JSON', '{nope', /not JSON/],
    ['wrong format', mutate((d) => (d.format = 'other')), /"format"/],
    ['bad address', mutate((d) => (d.sites[0].address = 4634)), /sites\[0\]\.address must be a hex address/],
    ['bad bytes', mutate((d) => (d.sites[1].placeholder = 'zz')), /sites\[1\]\.placeholder must be hex bytes/],
    ['length mismatch', mutate((d) => (d.sites[0].original = '90')), /sites\[0\]\.original is not 5 bytes long/],
    ['unknown kind', mutate((d) => (d.sites[0].kind = 'middle')), /sites\[0\]\.kind/],
    ['dangling function', mutate((d) => (d.sites[0].function = 7)), /sites\[0\]\.function/],
    ['missing sha256', mutate((d) => delete d.binary.sha256), /binary\.sha256/],
  ] as const)('%s', (_name, text, pattern) => {
    expect(() => parseProbeList(text, 'list.json')).toThrow(UserError);
    expect(() => parseProbeList(text, 'list.json')).toThrow(pattern);
  });

  test('a newer version is refused with a hint', () => {
    const text = mutate((d) => (d.version = 2));
    expect(() => parseProbeList(text, 'list.json')).toThrow(/version 2; this iprobe reads version 1/);
  });
});
