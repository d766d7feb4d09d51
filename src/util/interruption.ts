/** SIGINT/SIGTERM (or an abort signal) as a request to stop waiting, so that probes are switched off before iprobe exits. */
export class Interruption {
  requested = false;
  private wake: (() => void) | undefined;
  private readonly onSignal = () => {
    this.requested = true;
    this.wake?.();
  };

  constructor(private readonly abort?: AbortSignal) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    if (abort?.aborted) this.requested = true;
    abort?.addEventListener('abort', this.onSignal);
  }

  /** Waits `ms`, or less if a signal arrives or `until` settles; true when interrupted. */
  sleep(ms: number, until?: Promise<unknown>): Promise<boolean> {
    if (this.requested) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(this.requested);
      };
      this.wake = done;
      until?.then(done, done);
    });
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.abort?.removeEventListener('abort', this.onSignal);
  }
}
