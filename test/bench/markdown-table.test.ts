import { describe, expect, it } from 'vitest';
import { formatMeasure, formatRatio, markdownTable, parseMarkdownTables } from '../../src/bench/suite/markdown-table.js';

describe('markdownTable', () => {
  it('right-aligns numeric columns, escapes pipes, and parses back', () => {
    const text = markdownTable(
      ['tool', 'ns/event', 'note'],
      [
        ['a | b', '1.5', 'x'],
        ['c', '–', undefined],
      ],
    );
    expect(text.split('\n')[1]).toBe('|---|---:|---|');
    expect(parseMarkdownTables(`intro\n\n${text}\nafter`)).toEqual([
      {
        headers: ['tool', 'ns/event', 'note'],
        rows: [
          ['a \\| b', '1.5', 'x'],
          ['c', '–', ''],
        ],
      },
    ]);
  });

  it('finds every table of a text', () => {
    const one = markdownTable(['a'], [['1']]);
    expect(parseMarkdownTables(`${one}\n## next\n\n${one}`)).toHaveLength(2);
  });
});

describe('formatMeasure', () => {
  it('keeps three significant digits and at most two decimals', () => {
    expect(formatMeasure(9.3512)).toBe('9.35');
    expect(formatMeasure(20.04)).toBe('20.0');
    expect(formatMeasure(9182.4)).toBe('9182');
    expect(formatMeasure(0.000051)).toBe('0.00');
    expect(formatMeasure(-0.1349)).toBe('-0.13');
    expect(formatMeasure(0)).toBe('0');
  });

  it('writes ratios with a times sign', () => {
    expect(formatRatio(1.0234)).toBe('1.023×');
    expect(formatRatio(137756.8)).toBe('137756.8×');
  });
});
