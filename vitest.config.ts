import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other:
 * - "build": compiles fixtures, coldpatches, parses, talks to servers; two
 *   files at a time (the machines have two cores);
 * - "live": stops and patches running multi-threaded processes and measures
 *   their overhead; one file at a time, because a second busy file starves
 *   the targets' threads and turns the stop deadlines and budget ratios
 *   these tests check into a lottery.
 */
const LIVE = ['test/ptrace/**', 'test/hotpatch/**', 'test/fperf/**', 'test/inject/**', 'test/bench/live/**'];

const common = {
  pool: 'forks' as const,
  testTimeout: 120_000,
  hookTimeout: 600_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'build',
          include: ['test/**/*.test.ts'],
          exclude: LIVE,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...common,
          name: 'live',
          include: LIVE.map((glob) => `${glob.slice(0, -3)}/**/*.test.ts`),
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
