/** Every experiment of `iprobe bench`, in the order they run. */
import { debugWindowExperiment } from '../debug-window/debug-window-experiment.js';
import { microExperiment } from '../micro/micro-benchmark.js';
import { programsExperiment } from '../overhead/program-overhead.js';
import { stopWindowExperiment } from '../stop-window/stop-window-experiment.js';
import { UserError } from '../../util/user-error.js';
import type { Experiment } from './experiment.js';
import { fperfSweepExperiment } from './fperf-sweep-experiment.js';
import { hotLatencyExperiment } from './hot-latency-experiment.js';

export function allExperiments(options: { programs?: readonly string[] } = {}): Experiment[] {
  return [programsExperiment(options.programs), microExperiment, stopWindowExperiment, hotLatencyExperiment, fperfSweepExperiment, debugWindowExperiment];
}

export const EXPERIMENT_IDS = allExperiments().map((e) => e.id);

export function selectExperiments(only: readonly string[] | undefined, options: { programs?: readonly string[] } = {}): Experiment[] {
  const experiments = allExperiments(options);
  if (!only || only.length === 0) return experiments;
  for (const id of only) {
    if (!EXPERIMENT_IDS.includes(id)) throw new UserError(`unknown experiment '${id}'`, `known: ${EXPERIMENT_IDS.join(', ')}`);
  }
  return experiments.filter((e) => only.includes(e.id));
}
