import { Histogram } from 'prom-client';
import type { CutReason } from './replica-sync.js';
import type { OverflowRecord } from './status-report.js';

const RECENT_OVERFLOWS = 20;

/** Per-connection debug windows (seconds to overflow) fall into these buckets. */
const DEBUG_WINDOW_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Plain counters updated on the data path (a field increment per chunk); the
 * metrics module turns them into Prometheus series when scraped.
 */
export class MirrorStats {
  productionConnections = 0;
  productionConnectionsActive = 0;
  replicaConnections = 0;
  replicaConnectionsActive = 0;
  /** Client to production (duplicator) or production to upstream (aggregator). */
  requestBytes = 0;
  /** Production to client (duplicator) or upstream to production (aggregator). */
  responseBytes = 0;
  bytesToReplica = 0;
  bytesFromReplica = 0;
  /** Bytes production received that the replica never got. */
  bytesLostToReplica = 0;
  readonly cuts = new Map<CutReason, number>();
  readonly connectionDebugWindows = new Histogram({
    name: 'parikshan_connection_debug_window_seconds',
    help: 'Per connection: seconds from the start of mirroring to the overflow of its debug buffer',
    buckets: DEBUG_WINDOW_BUCKETS,
    registers: [],
  });

  /** The last few overflows, oldest first, for `parikshan status`. */
  readonly recentOverflows: OverflowRecord[] = [];

  recordOverflow(overflow: OverflowRecord): void {
    this.connectionDebugWindows.observe(overflow.debugWindowSeconds);
    this.recentOverflows.push(overflow);
    if (this.recentOverflows.length > RECENT_OVERFLOWS) this.recentOverflows.shift();
  }

  countCut(reason: CutReason): void {
    this.cuts.set(reason, (this.cuts.get(reason) ?? 0) + 1);
  }

  overflows(reason: 'connection-buffer-overflow' | 'total-buffer-overflow'): number {
    return this.cuts.get(reason) ?? 0;
  }
}
