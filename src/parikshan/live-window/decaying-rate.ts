/**
 * Rates and means over an exponentially decaying window of time constant τ:
 * an event's weight halves every τ·ln 2 seconds. One multiply and one exp per
 * event, no buffer of past events, so it can sit on the data path. Early on,
 * the count is divided by the part of the window that has elapsed, so the
 * first seconds are not biased towards zero.
 */
export class DecayingRate {
  private weight = 0;
  private lastAt: number;

  constructor(
    private readonly tauSeconds: number,
    private readonly startedAt: number,
  ) {
    this.lastAt = startedAt;
  }

  /** Counts `amount` (1 event, or bytes) at time `at` (seconds). */
  add(at: number, amount = 1): void {
    this.weight = this.weight * Math.exp(-(at - this.lastAt) / this.tauSeconds) + amount;
    this.lastAt = at;
  }

  /** Amount per second around `at`. */
  rate(at: number): number {
    const decayed = this.weight * Math.exp(-(at - this.lastAt) / this.tauSeconds);
    const covered = this.tauSeconds * -Math.expm1(-(at - this.startedAt) / this.tauSeconds);
    return covered > 0 ? decayed / covered : 0;
  }

  /** Seconds since the estimate started. */
  age(at: number): number {
    return at - this.startedAt;
  }
}

export class DecayingMean {
  private weight = 0;
  private sum = 0;
  private lastAt = 0;

  constructor(private readonly tauSeconds: number) {}

  add(at: number, value: number): void {
    const decay = Math.exp(-(at - this.lastAt) / this.tauSeconds);
    this.weight = this.weight * decay + 1;
    this.sum = this.sum * decay + value;
    this.lastAt = at;
  }

  /** The weighted mean; NaN before the first sample. */
  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : NaN;
  }

  /** Decayed number of samples (how much the mean rests on). */
  samples(at: number): number {
    return this.weight * Math.exp(-(at - this.lastAt) / this.tauSeconds);
  }
}
