import type { Logger } from 'pino';
import { BufferBudget } from './buffer-budget.js';
import { ConnectionOrder } from './connection-order.js';
import { DivergenceLog } from './divergence-log.js';
import { readKernelSendQueues, sendQueueKey } from './live-window/kernel-send-queue.js';
import { nowSeconds, TrafficEstimate } from './live-window/traffic-estimate.js';
import { predictWindow, type ConnectionLoad, type WindowPrediction } from './live-window/window-prediction.js';
import { WindowWatch } from './live-window/window-watch.js';
import { MirrorStats } from './mirror-stats.js';
import type { NoiseFilter } from './noise-filter.js';
import { ReplicaLink, type MirrorContext, type MirrorSettings } from './replica-link.js';
import { ReplicaSync, type CutReason } from './replica-sync.js';
import type { BufferLevel, StatusReport } from './status-report.js';
import { packageVersion } from '../util/package-version.js';

const BUSIEST_CONNECTIONS = 10;
/** A connection younger than this has too few turns for a rate of its own. */
const MIN_RATE_AGE_SECONDS = 1;

export interface MirrorLimits {
  connectionBufferBytes: number;
  totalBufferBytes: number;
  exchangeTimeoutMs: number;
  replicaStallMs: number;
  filter: NoiseFilter | undefined;
  /** W: the debug window the operator needs; the prediction is compared with it. */
  requiredWindowSeconds: number;
  /** Time constant of the decaying window over which rates are measured. */
  rateWindowSeconds: number;
}

/**
 * What the duplicator and the aggregator share: the replica links of all
 * connections, the buffer budget, the sync state, the divergence log and the
 * counters, and the reports built from them.
 */
export class MirrorHub {
  readonly ctx: MirrorContext;
  private readonly links = new Set<ReplicaLink>();
  private readonly order = new ConnectionOrder();
  private nextConnectionId = 1;
  private readonly startedAt = Date.now();
  /** Warns when the predicted debug window drops below --required-window (started by the service). */
  readonly watch: WindowWatch;

  constructor(
    readonly role: StatusReport['role'],
    private readonly limits: MirrorLimits,
    log: Logger,
  ) {
    const settings: MirrorSettings = {
      connectionBufferBytes: limits.connectionBufferBytes,
      exchangeTimeoutMs: limits.exchangeTimeoutMs,
      replicaStallMs: limits.replicaStallMs,
      filter: limits.filter,
    };
    this.ctx = {
      settings,
      budget: new BufferBudget(limits.totalBufferBytes),
      stats: new MirrorStats(),
      sync: new ReplicaSync(),
      divergence: new DivergenceLog(),
      traffic: new TrafficEstimate(limits.rateWindowSeconds),
      log,
    };
    this.watch = new WindowWatch(() => this.predictWindow(), log);
  }

  /**
   * A replica link for a new production connection; it unregisters itself when
   * finished. With `afterOlder`, its replica side starts only once the older
   * connections' have caught up with production (see ConnectionOrder).
   */
  createLink({ afterOlder = false } = {}): ReplicaLink {
    const link = new ReplicaLink(this.nextConnectionId++, this.ctx, afterOlder ? this.order : undefined);
    this.links.add(link);
    link.onFinished(() => this.links.delete(link));
    return link;
  }

  get openLinks(): number {
    return this.links.size;
  }

  /** Cuts every replica side still open (shutdown). */
  cutAll(reason: CutReason): void {
    for (const link of this.links) link.cut(reason);
  }

  resetSync(): void {
    this.ctx.sync.reset();
    this.ctx.traffic.forgetService();
    this.ctx.log.info('replica marked in sync by operator reset; debug window restarted');
  }

  bufferLevel(): BufferLevel {
    let maxQueued = 0;
    let active = 0;
    for (const link of this.links) {
      if (!link.isActive) continue;
      active++;
      if (link.queuedBytes > maxQueued) maxQueued = link.queuedBytes;
    }
    return {
      level: maxQueued / this.limits.connectionBufferBytes,
      totalLevel: this.ctx.budget.used / this.limits.totalBufferBytes,
      queuedBytes: this.ctx.budget.used,
      activeConnections: active,
      inSync: this.ctx.sync.inSync,
    };
  }

  /**
   * The debug-window model fed with the measured rates and every byte that
   * stands between production and the replica: the debug queues, Node's
   * socket buffers and the kernel's send queues (read from /proc/net/tcp).
   */
  predictWindow(): WindowPrediction {
    const now = nowSeconds();
    const kernel = readKernelSendQueues();
    const connections: ConnectionLoad[] = [];
    for (const link of this.links) {
      if (!link.isActive) continue;
      const ports = link.replicaPorts();
      const kernelBytes = ports ? (kernel.get(sendQueueKey(ports.local, ports.remote)) ?? 0) : 0;
      connections.push({
        id: link.id,
        arrivalRate: link.rateAge(now) >= MIN_RATE_AGE_SECONDS ? link.arrivalRate(now) : 0,
        queuedBytes: link.queuedBytes,
        socketBytes: link.replicaSocketBufferedBytes + kernelBytes,
      });
    }
    const { traffic } = this.ctx;
    const turns = traffic.turns.rate(now);
    return predictWindow({
      connections,
      totalArrivalRate: turns,
      turnBytes: turns > 0 ? traffic.admittedBytes.rate(now) / turns : NaN,
      serviceSeconds: traffic.serviceSeconds.mean,
      serviceSamples: traffic.serviceSeconds.samples(now),
      connectionBufferBytes: this.limits.connectionBufferBytes,
      totalBufferBytes: this.limits.totalBufferBytes,
      requiredWindowSeconds: this.limits.requiredWindowSeconds,
      rateWindowSeconds: this.limits.rateWindowSeconds,
    });
  }

  status(addresses: Record<string, string>): StatusReport {
    const { stats, divergence } = this.ctx;
    const busiest = [...this.links]
      .filter((link) => link.isActive)
      .sort((a, b) => b.queuedBytes - a.queuedBytes)
      .slice(0, BUSIEST_CONNECTIONS)
      .map((link) => link.snapshot());
    return {
      role: this.role,
      version: packageVersion(),
      pid: process.pid,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      addresses,
      limits: {
        connectionBufferBytes: this.limits.connectionBufferBytes,
        totalBufferBytes: this.limits.totalBufferBytes,
        exchangeTimeoutMs: this.limits.exchangeTimeoutMs,
        ignore: [...(this.limits.filter?.sources ?? [])],
      },
      replica: this.ctx.sync.state(),
      connections: {
        production: { total: stats.productionConnections, active: stats.productionConnectionsActive },
        replica: { total: stats.replicaConnections, active: stats.replicaConnectionsActive },
      },
      bytes: {
        request: stats.requestBytes,
        response: stats.responseBytes,
        toReplica: stats.bytesToReplica,
        fromReplica: stats.bytesFromReplica,
        lostToReplica: stats.bytesLostToReplica,
      },
      buffer: this.bufferLevel(),
      overflows: {
        connection: stats.overflows('connection-buffer-overflow'),
        total: stats.overflows('total-buffer-overflow'),
        recent: [...stats.recentOverflows],
      },
      cuts: Object.fromEntries(stats.cuts),
      divergence: { ...divergence.totals, rate: divergence.rate, samples: divergence.samples() },
      busiestConnections: busiest,
      prediction: this.predictWindow(),
    };
  }
}
