/**
 * Re-evaluates the live prediction every second and says so when the
 * expected debug window drops below the required one (a warning in the log,
 * a counter and a gauge in /metrics), and again when it recovers. Only
 * changes are logged, not every check.
 */
import type { Logger } from 'pino';
import type { WindowPrediction } from './window-prediction.js';

const CHECK_INTERVAL_MS = 1_000;

export class WindowWatch {
  private timer: NodeJS.Timeout | undefined;
  private below = false;
  /** Times the prediction went below W. */
  alerts = 0;

  constructor(
    private readonly predict: () => WindowPrediction,
    private readonly log: Logger,
  ) {}

  get belowRequired(): boolean {
    return this.below;
  }

  start(): void {
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): WindowPrediction {
    const prediction = this.predict();
    const below = prediction.basis === 'measured' && prediction.belowRequired;
    if (below && !this.below) {
      this.alerts++;
      this.log.warn(
        {
          predictedWindowSeconds: prediction.expectedWindowSeconds,
          remainingWindowSeconds: prediction.remainingWindowSeconds,
          requiredWindowSeconds: prediction.requiredWindowSeconds,
          arrivalRate: prediction.arrivalRate,
          serviceRate: prediction.serviceRate,
          capacityRequests: prediction.capacityRequests,
          bound: prediction.bound,
        },
        'predicted debug window below the required window: the replica is expected to overflow its buffer sooner',
      );
    } else if (!below && this.below) {
      this.log.info(
        { predictedWindowSeconds: prediction.expectedWindowSeconds, requiredWindowSeconds: prediction.requiredWindowSeconds },
        'predicted debug window back above the required window',
      );
    }
    this.below = below;
    return prediction;
  }
}
