import { describe, expect, it } from 'vitest';
import { EXPERIMENT_IDS, selectExperiments } from '../../src/bench/suite/experiments.js';
import { UserError } from '../../src/util/user-error.js';

describe('selectExperiments', () => {
  it('runs every experiment by default, in order', () => {
    expect(EXPERIMENT_IDS).toEqual(['programs', 'micro', 'stop-window', 'hot-latency', 'fperf-sweep', 'debug-window']);
    expect(selectExperiments(undefined).map((e) => e.id)).toEqual(EXPERIMENT_IDS);
  });

  it('keeps the suite order whatever order --only names them in', () => {
    expect(selectExperiments(['stop-window', 'micro']).map((e) => e.id)).toEqual(['micro', 'stop-window']);
  });

  it('names the known experiments when asked for an unknown one', () => {
    expect(() => selectExperiments(['micro', 'figure-5.8'])).toThrow(UserError);
    expect(() => selectExperiments(['figure-5.8'])).toThrow(/unknown experiment 'figure-5.8'/);
  });
});
