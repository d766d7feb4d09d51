import { startReplicaDelayProxy } from '../../../src/bench/debug-window/replica-delay-proxy.js';
import { startRequestLoad } from '../../../src/bench/debug-window/request-load.js';
import { RandomStream } from '../../../src/parikshan/window-model/random-stream.js';

/** A replica proxy holding each turn for an exponential delay of mean `meanDelayMs` (seeded). */
export function startSlowReplica(targetPort: number, meanDelayMs: number, seed: number): ReturnType<typeof startReplicaDelayProxy> {
  const random = new RandomStream(seed);
  return startReplicaDelayProxy(targetPort, () => random.exponential(meanDelayMs));
}

/** An open-loop Poisson load of redis `SET`s at `rate` per second (seeded). */
export function startPoissonLoad(port: number, rate: number, seed: number): ReturnType<typeof startRequestLoad> {
  const random = new RandomStream(seed);
  return startRequestLoad(port, () => random.exponential(1000 / rate));
}
