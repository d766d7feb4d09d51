import { describe, expect, it } from 'vitest';
import { compareRuns, median } from '../../src/bench/programs/compare-runs.js';
import type { Program } from '../../src/bench/programs/program.js';

/** A stand-in program whose "binary" is a label: its run takes a scripted time and prints a scripted digest. */
function scripted(times: Record<string, number[]>, digests: Record<string, string> = {}): { program: Program; order: string[] } {
  const order: string[] = [];
  const program: Program = {
    name: 'scripted',
    sourcePackage: 'none',
    summary: '',
    binaries: ['x'],
    recipeRevision: 1,
    build: async () => {},
    run: async (binaries) => {
      const label = binaries.x!;
      order.push(label);
      return { seconds: times[label]!.shift()!, outputDigest: digests[label] ?? 'same' };
    },
  };
  return { program, order };
}

describe('compareRuns', () => {
  it('interleaves the contestants and reports min, median and ratios to the first', async () => {
    const { program, order } = scripted({ plain: [1.0, 1.2, 1.1], slow: [3.0, 2.0, 2.4] });
    const result = await compareRuns(
      program,
      [
        { label: 'plain', binaries: { x: 'plain' } },
        { label: 'slow', binaries: { x: 'slow' } },
      ],
      { runs: 3, size: 'quick' },
    );
    expect(order).toEqual(['plain', 'slow', 'plain', 'slow', 'plain', 'slow']);
    expect(result.contestants[0]).toMatchObject({ label: 'plain', min: 1.0, median: 1.1, minRatio: 1, medianRatio: 1 });
    expect(result.contestants[1]).toMatchObject({ label: 'slow', min: 2.0, median: 2.4 });
    expect(result.contestants[1]!.minRatio).toBeCloseTo(2.0);
    expect(result.contestants[1]!.medianRatio).toBeCloseTo(2.4 / 1.1);
    expect(result.outputDigest).toBe('same');
  });

  it('stops at the first run whose output differs', async () => {
    const { program } = scripted({ plain: [1, 1], broken: [1, 1] }, { broken: 'other' });
    await expect(
      compareRuns(
        program,
        [
          { label: 'plain', binaries: { x: 'plain' } },
          { label: 'broken', binaries: { x: 'broken' } },
        ],
        { runs: 2, size: 'quick' },
      ),
    ).rejects.toThrow(/broken: output digest other differs from same \(plain, round 1\)/);
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
