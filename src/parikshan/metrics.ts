import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { MirrorHub } from './mirror-hub.js';
import { packageVersion } from '../util/package-version.js';

/**
 * The Prometheus series of one duplicator or aggregator. Values are read from
 * the hub's plain counters at scrape time, so the data path pays nothing for
 * them; counters are re-set from those monotonic totals on each collect.
 */
export function createMetricsRegistry(hub: MirrorHub): Registry {
  const registry = new Registry();
  const { stats, sync, divergence, budget, settings } = hub.ctx;
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({ name: 'parikshan_info', help: 'Role and version of this parikshan process', labelNames: ['role', 'version'], registers })
    .set({ role: hub.role, version: packageVersion() }, 1);

  counterFrom('parikshan_connections_total', 'Connections opened, by side (production path, replica)', ['side'], () => [
    [{ side: 'production' }, stats.productionConnections],
    [{ side: 'replica' }, stats.replicaConnections],
  ]);
  gaugeFrom('parikshan_connections_active', 'Connections open now, by side', ['side'], () => [
    [{ side: 'production' }, stats.productionConnectionsActive],
    [{ side: 'replica' }, stats.replicaConnectionsActive],
  ]);
  counterFrom(
    'parikshan_bytes_total',
    'Bytes moved: request (into production), response (out of production), to_replica, from_replica',
    ['direction'],
    () => [
      [{ direction: 'request' }, stats.requestBytes],
      [{ direction: 'response' }, stats.responseBytes],
      [{ direction: 'to_replica' }, stats.bytesToReplica],
      [{ direction: 'from_replica' }, stats.bytesFromReplica],
    ],
  );
  counterFrom('parikshan_bytes_lost_to_replica_total', 'Bytes production received that the replica never got', [], () => [
    [{}, stats.bytesLostToReplica],
  ]);
  gaugeFrom('parikshan_debug_buffer_bytes', 'Bytes queued for the replica, all connections together', [], () => [[{}, budget.used]]);
  gaugeFrom(
    'parikshan_debug_buffer_level',
    'Fullest connection debug buffer as a fraction of --buffer (0..1); drives adaptive instrumentation',
    [],
    () => [[{}, hub.bufferLevel().level]],
  );
  gaugeFrom('parikshan_debug_buffer_limit_bytes', 'Configured bounds: --buffer (connection) and --total-buffer (total)', ['scope'], () => [
    [{ scope: 'connection' }, settings.connectionBufferBytes],
    [{ scope: 'total' }, budget.limitBytes],
  ]);
  counterFrom('parikshan_debug_overflows_total', 'Debug buffer overflows, by the bound that was crossed', ['scope'], () => [
    [{ scope: 'connection' }, stats.overflows('connection-buffer-overflow')],
    [{ scope: 'total' }, stats.overflows('total-buffer-overflow')],
  ]);
  counterFrom('parikshan_debug_cuts_total', 'Connections whose replica side was cut, by reason', ['reason'], () =>
    [...stats.cuts].map(([reason, count]) => [{ reason }, count]),
  );
  gaugeFrom('parikshan_replica_in_sync', '1 while the replica has received every byte production did since start or reset', [], () => [
    [{}, sync.inSync ? 1 : 0],
  ]);
  gaugeFrom(
    'parikshan_debug_window_seconds',
    'Seconds from the start of mirroring to the replica going out of sync; while in sync, seconds so far',
    [],
    () => [[{}, sync.state().debugWindowSeconds]],
  );
  registry.registerMetric(stats.connectionDebugWindows);
  counterFrom('parikshan_exchanges_compared_total', 'Exchanges compared between production and the replica', [], () => [
    [{}, divergence.totals.compared],
  ]);
  counterFrom('parikshan_exchanges_divergent_total', 'Exchanges whose replica output differed from production', [], () => [
    [{}, divergence.totals.divergent],
  ]);
  counterFrom('parikshan_exchange_timeouts_total', 'Divergent exchanges closed by --exchange-timeout', [], () => [
    [{}, divergence.totals.timedOut],
  ]);
  // The debug-window model, fed with measured rates (one prediction per scrape).
  let prediction = hub.predictWindow();
  gaugeFrom('parikshan_predicted_debug_window_seconds', 'Expected debug window from empty buffers (M/M/1/K, measured rates); +Inf when effectively never', [], () => {
    prediction = hub.predictWindow();
    return prediction.basis === 'measured' ? [[{}, prediction.expectedWindowSeconds ?? Infinity]] : [];
  });
  gaugeFrom('parikshan_predicted_remaining_window_seconds', 'Expected time until the fullest connection overflows, from its present level', [], () =>
    prediction.remainingWindowSeconds !== null ? [[{}, prediction.remainingWindowSeconds]] : [],
  );
  gaugeFrom('parikshan_required_debug_window_seconds', 'W: the debug window required (--required-window)', [], () => [[{}, prediction.requiredWindowSeconds]]);
  gaugeFrom('parikshan_debug_window_below_required', '1 while the predicted debug window is below --required-window', [], () => [
    [{}, prediction.basis === 'measured' && prediction.belowRequired ? 1 : 0],
  ]);
  counterFrom('parikshan_debug_window_alerts_total', 'Times the predicted debug window dropped below --required-window', [], () => [[{}, hub.watch.alerts]]);
  gaugeFrom('parikshan_slowdown_budget', 'f_max: largest further slowdown of the replica keeping the predicted window at W (+Inf: unlimited)', [], () => {
    if (prediction.budgetVerdict === 'unlimited') return [[{}, Infinity]];
    if (prediction.budgetVerdict === 'unreachable') return [[{}, 0]];
    return prediction.maxSlowdown !== null ? [[{}, prediction.maxSlowdown]] : [];
  });
  gaugeFrom('parikshan_arrival_rate', 'Client turns per second: the busiest connection and all together', ['scope'], () => [
    [{ scope: 'connection' }, prediction.arrivalRate],
    [{ scope: 'total' }, prediction.totalArrivalRate],
  ]);
  gaugeFrom('parikshan_replica_service_rate', 'Turns per second the replica serves on a backlogged connection (1 / mean service time)', [], () =>
    prediction.serviceRate !== null ? [[{}, prediction.serviceRate]] : [],
  );
  gaugeFrom('parikshan_turn_buffer_bytes', 'Mean bytes a client turn takes in the debug buffer', [], () =>
    prediction.turnBytes !== null ? [[{}, prediction.turnBytes]] : [],
  );
  gaugeFrom('parikshan_replica_socket_bytes', 'Fullest connection: bytes handed to the replica socket that Node and the kernel still hold', [], () => [
    [{}, prediction.observed.socketBytes],
  ]);
  gaugeFrom('parikshan_divergence_ratio', 'Divergent exchanges / compared exchanges', [], () => [[{}, divergence.rate]]);
  return registry;

  type Samples = () => [Record<string, string>, number][];

  function counterFrom(name: string, help: string, labelNames: string[], samples: Samples): void {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.inc(labels, value);
      },
    });
  }

  function gaugeFrom(name: string, help: string, labelNames: string[], samples: Samples): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of samples()) this.set(labels, value);
      },
    });
  }
}
