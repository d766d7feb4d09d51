import type { DivergenceCounts, DivergenceSample } from './divergence-log.js';
import type { WindowPrediction } from './live-window/window-prediction.js';
import type { LinkSnapshot } from './replica-link.js';
import type { CutReason, SyncState } from './replica-sync.js';

/**
 * What `GET /buffer-level` answers: small and cheap to compute, for a process
 * that polls it often (adaptive instrumentation of the replica).
 */
export interface BufferLevel {
  /** Max over active connections of queued bytes / --buffer, 0..1. */
  level: number;
  /** Bytes queued for the replica over all connections / --total-buffer, 0..1. */
  totalLevel: number;
  queuedBytes: number;
  activeConnections: number;
  inSync: boolean;
}

export interface OverflowRecord {
  at: string;
  connection: number;
  reason: Extract<CutReason, 'connection-buffer-overflow' | 'total-buffer-overflow'>;
  debugWindowSeconds: number;
}

/** What `GET /status` answers and `parikshan status` prints. */
export interface StatusReport {
  role: 'duplicator' | 'aggregator';
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  /** Listening and target addresses by option name, e.g. listen, production, debug, metrics. */
  addresses: Record<string, string>;
  limits: { connectionBufferBytes: number; totalBufferBytes: number; exchangeTimeoutMs: number; ignore: string[] };
  replica: SyncState;
  connections: {
    production: { total: number; active: number };
    replica: { total: number; active: number };
  };
  bytes: { request: number; response: number; toReplica: number; fromReplica: number; lostToReplica: number };
  buffer: BufferLevel;
  overflows: { connection: number; total: number; recent: OverflowRecord[] };
  cuts: Partial<Record<CutReason, number>>;
  divergence: DivergenceCounts & { rate: number; samples: DivergenceSample[] };
  /** The connections holding the most bytes for the replica. */
  busiestConnections: LinkSnapshot[];
  /** The debug-window model fed with measured rates: expected window, budget, comparison with W. */
  prediction: WindowPrediction;
}
