import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/bench/programs/corpus.js';

describe('the generated corpus', () => {
  it('is exactly as long as asked, and the same bytes every time', () => {
    const corpus = generateCorpus(1 << 16, 7);
    expect(corpus.length).toBe(1 << 16);
    // Pinned: benchmark results stay comparable across commits and machines.
    expect(createHash('sha256').update(corpus).digest('hex')).toBe('49f0a981881cfd932b150dd8b598a5e2ed374359259af2f2da4838dac8898c05');
  });

  it('differs by seed, and looks like text, logs and tables', () => {
    const text = generateCorpus(1 << 18, 1).toString('latin1');
    expect(generateCorpus(1 << 18, 2).toString('latin1')).not.toBe(text);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|DEBUG|WARN|ERROR) \[worker-\d+\] request id=/m);
    expect(text).toMatch(/^[a-z]+(,[\d.]+){7}$/m);
    expect(text).toMatch(/[A-Z][a-z]+( [a-z]+)+[.?!;]/);
    expect(new Set(text).size).toBeLessThan(100);
  });
});
