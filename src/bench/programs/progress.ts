/** Receives one human-readable line per step (fetch, build); never on the hot path of a workload. */
export type ProgressSink = (line: string) => void;

export const stderrProgress: ProgressSink = (line) => {
  process.stderr.write(`iprobe programs: ${line}\n`);
};

export const silentProgress: ProgressSink = () => {};
