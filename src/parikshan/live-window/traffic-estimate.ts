/**
 * What the model needs, measured from the duplicator's own traffic over a
 * decaying window (--rate-window): client turns per second (λ, per
 * connection and in all), the bytes a turn takes in the debug buffer (its
 * client bytes plus the record kept to compare its answer), and the
 * replica's service time per turn, from handing a turn's last byte to its
 * socket to the replica's last byte of answer. Every update is O(1).
 */
import { DecayingMean, DecayingRate } from './decaying-rate.js';

/** Monotonic seconds (rates must not jump with the wall clock). */
export const nowSeconds = (): number => performance.now() / 1000;

export class TrafficEstimate {
  readonly turns: DecayingRate;
  readonly admittedBytes: DecayingRate;
  serviceSeconds: DecayingMean;

  constructor(readonly tauSeconds: number) {
    const now = nowSeconds();
    this.turns = new DecayingRate(tauSeconds, now);
    this.admittedBytes = new DecayingRate(tauSeconds, now);
    this.serviceSeconds = new DecayingMean(tauSeconds);
  }

  /** A rate for one new connection's turns. */
  connectionRate(): DecayingRate {
    return new DecayingRate(this.tauSeconds, nowSeconds());
  }

  /** After a reset the restored replica may run at another speed: forget its service times. */
  forgetService(): void {
    this.serviceSeconds = new DecayingMean(this.tauSeconds);
  }
}
