/** The parsers both CLIs share (src/util/parse-*.ts): what each accepts, and that everything else is a usage error naming the option. */
import { describe, expect, test } from 'vitest';
import { parseBudget } from '../../src/fperf/budget.js';
import { parseDuration } from '../../src/util/parse-duration.js';
import { parseCount, parsePercentage, parsePid } from '../../src/util/parse-numbers.js';
import { parseByteSize } from '../../src/util/parse-size.js';
import { asUsageError, USAGE_EXIT, UsageError, UserError } from '../../src/util/user-error.js';

function usageErrorOf(parse: () => unknown): UsageError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(USAGE_EXIT);
    return err as UsageError;
  }
  throw new Error('expected a usage error');
}

describe('durations', () => {
  test.each([
    ['100ms', 100],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['2 s', 2000],
    [' 250ms ', 250],
    ['0', 0],
    ['1000000s', 1e9],
  ])('%j is %d ms', (text, ms) => expect(parseDuration(text, '--duration')).toBe(ms));

  test('a bare number is in seconds unless the option says milliseconds', () => {
    expect(parseDuration('2', '--drain-timeout')).toBe(2000);
    expect(parseDuration('500', '--exchange-timeout', { defaultUnit: 'ms' })).toBe(500);
  });

  test.each(['abc', '', '10x', '-1s', '1e3s', '5 minutes', 's', '1.s'])('%j is refused', (text) => {
    const err = usageErrorOf(() => parseDuration(text, '--duration'));
    expect(err.message).toBe(`--duration: not a duration: '${text}'`);
    expect(err.hint).toBe('use e.g. 500ms, 10s, 5m');
  });

  test('positive: 0 is refused', () => {
    expect(usageErrorOf(() => parseDuration('0ms', '--window', { positive: true })).message).toBe("--window: must be longer than 0, got '0ms'");
    expect(parseDuration('1ms', '--window', { positive: true })).toBe(1);
  });
});

describe('sizes', () => {
  test.each([
    ['4MiB', 4 * 1024 ** 2],
    ['256mb', 256 * 1024 ** 2],
    ['64k', 64 * 1024],
    ['1.5k', 1536],
    ['1048576', 1048576],
    ['1 GiB', 1024 ** 3],
    ['12B', 12],
  ])('%j is %d bytes', (text, bytes) => expect(parseByteSize(text, '--buffer')).toBe(bytes));

  test.each(['4XB', 'lots', 'MiB', '-1', '4 parsecs', ''])('%j is refused', (text) => {
    expect(usageErrorOf(() => parseByteSize(text, '--buffer')).message).toBe(`--buffer: not a size: '${text}'`);
  });

  test('less than a byte is out of range', () => {
    expect(usageErrorOf(() => parseByteSize('0', '--buffer')).message).toBe("--buffer: size out of range: '0'");
    expect(usageErrorOf(() => parseByteSize('0.5', '--buffer')).message).toBe("--buffer: size out of range: '0.5'");
  });
});

describe('pids', () => {
  test('positive whole numbers up to 2^31 - 1', () => {
    expect(parsePid('4242')).toBe(4242);
    expect(parsePid('999999999')).toBe(999999999); // no such process is the target's problem, not a usage error
    expect(parsePid('2147483647')).toBe(2147483647);
  });

  test.each(['0', 'abc', '-5', '12x', '1.0', '', '2147483648', '0x10'])('%j is refused', (text) => {
    expect(usageErrorOf(() => parsePid(text)).message).toBe(`not a process id: '${text}'`);
  });

  test('an option names itself', () => {
    expect(usageErrorOf(() => parsePid('x', '--pid')).message).toBe("--pid: not a process id: 'x'");
  });
});

describe('counts', () => {
  test.each([
    ['30', 30],
    ['1', 1],
    ['10_000', 10_000],
    ['1_000_000', 1e6],
    ['1e6', 1e6],
    ['007', 7],
  ])('%j is %d', (text, count) => expect(parseCount(text, '--limit')).toBe(count));

  test.each(['abc', '0', '-1', '1.5', '_1', '1__0', '1_', '1e', '', '1e400', '9007199254740993'])('%j is refused', (text) => {
    const err = usageErrorOf(() => parseCount(text, '--limit'));
    expect(err.message).toBe(`--limit: not a count: '${text}'`);
  });
});

describe('percentages and budgets', () => {
  test('percentages below 100%, as fractions', () => {
    expect(parsePercentage('5%', '--x')).toBe(0.05);
    expect(parsePercentage('0.5%', '--x')).toBe(0.005);
    expect(parsePercentage('0%', '--x')).toBe(0);
    for (const bad of ['5', '100%', '150%', 'abc', '-1%']) expect(usageErrorOf(() => parsePercentage(bad, '--x')).message).toMatch(/^--x: not a percentage/);
  });

  test('a budget is a percentage or none', () => {
    expect(parseBudget('2%', '--budget')).toEqual({ kind: 'fraction', fraction: 0.02 });
    expect(parseBudget('none', '--budget')).toEqual({ kind: 'none' });
    expect(usageErrorOf(() => parseBudget('abc', '--budget')).message).toBe("--budget: not a budget: 'abc'");
  });
});

test('asUsageError turns a UserError from an option value into a usage error, and leaves other errors alone', () => {
  const err = usageErrorOf(() => asUsageError(() => { throw new UserError('unknown experiment', 'known: a, b'); }));
  expect([err.message, err.hint]).toEqual(['unknown experiment', 'known: a, b']);
  expect(() => asUsageError(() => { throw new TypeError('bug'); })).toThrow(TypeError);
  expect(asUsageError(() => 3)).toBe(3);
});
