import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { BufferBudget } from './buffer-budget.js';
import { ByteQueue } from './byte-queue.js';
import type { ConnectionOrder, OrderEntry } from './connection-order.js';
import type { DivergenceLog } from './divergence-log.js';
import { ExchangeRecorder, exchangesMatch } from './exchange-recorder.js';
import type { DecayingRate } from './live-window/decaying-rate.js';
import { nowSeconds, type TrafficEstimate } from './live-window/traffic-estimate.js';
import type { MirrorStats } from './mirror-stats.js';
import type { CutReason, ReplicaSync } from './replica-sync.js';
import type { NoiseFilter } from './noise-filter.js';
import { QueuedHeads } from './queued-heads.js';
import { TurnQueue, type CompareRecord } from './turn-queue.js';

/**
 * What one production answer waiting to be compared costs in the debug buffer,
 * besides its retained head (at most EXCHANGE_HEAD_BYTES): digest and offsets.
 */
export const EXCHANGE_RECORD_BYTES = 64;

export interface MirrorSettings {
  /** --buffer: bytes one connection may hold for its replica. */
  connectionBufferBytes: number;
  /** --exchange-timeout: how long the replica may stay silent before its exchange is closed short. */
  exchangeTimeoutMs: number;
  /** After production's connection closed, how long a replica may make no progress before it is cut. */
  replicaStallMs: number;
  filter: NoiseFilter | undefined;
}

export interface MirrorContext {
  settings: MirrorSettings;
  budget: BufferBudget;
  stats: MirrorStats;
  sync: ReplicaSync;
  divergence: DivergenceLog;
  /** Arrival rates, turn sizes and replica service times for the debug-window prediction. */
  traffic: TrafficEstimate;
  log: Logger;
}

const NO_HEAD = Buffer.alloc(0);

export type LinkState = 'active' | 'cut' | 'done';

export interface LinkSnapshot {
  id: number;
  startedAt: string;
  state: LinkState;
  cutReason: CutReason | null;
  queuedBytes: number;
  /** queuedBytes as a fraction of --buffer. */
  bufferLevel: number;
  bytesToReplica: number;
  bytesFromReplica: number;
  /** Seconds from the start of mirroring to this connection's overflow; null if it has not overflowed. */
  debugWindowSeconds: number | null;
}

/**
 * The replica side of one mirrored connection. Production's path never waits
 * on it: `feed` appends the bytes production received to a bounded queue and
 * returns; the queue is written to the replica as fast as the replica reads.
 *
 * The queue is cut into client turns. Production's output between two turns
 * is one exchange; before writing the next turn, the link waits until the
 * replica has sent as many bytes as production did (or has been silent for
 * --exchange-timeout), so both sides' outputs are cut at the same turns and
 * can be compared exchange by exchange.
 */
export class ReplicaLink {
  private readonly queue = new TurnQueue();
  /** The bytes of the queue's data items, in order. */
  private readonly queuedData = new ByteQueue();
  /** The heads of the queue's comparisons, in order. */
  private readonly queuedHeads = new QueuedHeads();
  private queued = 0;
  private state: LinkState = 'active';
  private cutReason: CutReason | undefined;
  private readonly startedAt = Date.now();
  private overflowWindowSeconds: number | undefined;
  private lostMarked = false;

  private replica: Socket | undefined;
  private replicaWritable = false;
  private replicaOutputEnded = false;
  private replicaClosed = false;
  private toReplica = 0;
  private fromReplica = 0;
  private lastReplicaProgress = Date.now();
  /** For the replica's service time per turn (seconds, monotonic): last byte handed over, last byte of answer. */
  private turnHandedAt = 0;
  private lastAnswerAt = 0;
  /** Client turns per second on this connection. */
  private readonly turnRate: DecayingRate;

  // Production's side of the exchange being recorded.
  private productionExchange: ExchangeRecorder;
  private productionOutput = 0;
  private productionAnsweredSinceTurn = true; // so the first turn opens exchange 1 after the greeting (0)
  private productionOutputEnded = false;
  private fedOffset = 0;
  private turnRequestOffset = 0;

  // The replica's side of the exchange being recorded.
  private replicaExchange: ExchangeRecorder;

  private leaderOpen = true;
  /** Until older connections' replica sides have caught up (see ConnectionOrder). */
  private heldForOlder = false;
  private readonly orderEntry: OrderEntry | undefined;
  /** ConnectionOrder event when production's answer in the open exchange got ahead of the replica's. */
  private answerOwedSince = Infinity;
  private waitTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private finishedListeners: (() => void)[] = [];

  /** With `order`, this connection's replica side starts after the older ones have caught up with production. */
  constructor(
    readonly id: number,
    private readonly ctx: MirrorContext,
    private readonly order?: ConnectionOrder,
  ) {
    this.productionExchange = new ExchangeRecorder(0, 0, ctx.settings.filter);
    this.replicaExchange = new ExchangeRecorder(0, 0, ctx.settings.filter);
    this.turnRate = ctx.traffic.connectionRate();
    if (order) {
      this.orderEntry = order.entry();
      this.heldForOlder = true;
      order.startAfterOwed(() => {
        this.heldForOlder = false;
        this.pump();
      });
    }
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** Client turns per second on this connection (decaying window). */
  arrivalRate(at: number): number {
    return this.turnRate.rate(at);
  }

  /** Seconds since this connection's rate estimate started. */
  rateAge(at: number): number {
    return this.turnRate.age(at);
  }

  /** The replica socket's ports, to find its kernel send queue; undefined until connected. */
  replicaPorts(): { local: number; remote: number } | undefined {
    const replica = this.replica;
    if (!replica || !this.replicaWritable || replica.destroyed || replica.localPort === undefined || replica.remotePort === undefined) {
      return undefined;
    }
    return { local: replica.localPort, remote: replica.remotePort };
  }

  /** Bytes written to the replica's socket that Node has not yet passed to the kernel. */
  get replicaSocketBufferedBytes(): number {
    return this.replica && !this.replica.destroyed ? this.replica.writableLength : 0;
  }

  /** Called once when production's connection has closed and the replica side is finished. */
  onFinished(listener: () => void): void {
    this.finishedListeners.push(listener);
  }

  // ---- production's side -------------------------------------------------

  /** Bytes production received (client bytes for the duplicator, upstream replies for the aggregator). */
  feed(chunk: Buffer): void {
    this.fedOffset += chunk.length;
    if (this.state !== 'active') {
      if (this.state === 'cut') this.lose(chunk.length);
      return;
    }
    if (this.productionAnsweredSinceTurn && !this.productionOutputEnded) {
      const now = nowSeconds();
      this.turnRate.add(now);
      this.ctx.traffic.turns.add(now);
      if (!this.closeProductionExchange()) return this.lose(chunk.length);
      this.turnRequestOffset = this.fedOffset - chunk.length;
      this.pump(); // a replica that has answered the last turn may take this one at once
    }
    if (!this.admit(chunk.length)) return this.lose(chunk.length);
    if (this.queue.length === 0 && this.replicaTakesBytesNow()) return this.deliver(chunk);
    this.enqueue(chunk);
    this.updateOwed();
  }

  /** Bytes production sent back, to be compared with the replica's. */
  answer(chunk: Buffer): void {
    this.productionOutput += chunk.length;
    if (this.state !== 'active' || this.productionOutputEnded) return;
    this.productionExchange.push(chunk);
    this.productionAnsweredSinceTurn = true;
    if (this.order && this.answerOwedSince === Infinity) {
      this.answerOwedSince = this.order.nextEvent();
      this.updateOwed();
    }
  }

  feedEnded(): void {
    if (this.state !== 'active') return;
    this.queue.pushMarker('end', this.nextEvent());
    this.pump();
  }

  answerEnded(): void {
    if (this.state !== 'active' || this.productionOutputEnded) return;
    this.closeProductionExchange();
    this.productionOutputEnded = true;
    this.pump();
  }

  /** Production's connection is closed; `reset` if it ended by a reset or failure. */
  leaderClosed(reset: boolean): void {
    this.leaderOpen = false;
    if (this.state === 'active') {
      if (reset) this.queue.pushMarker('reset', this.nextEvent());
      this.armStallTimer();
      this.pump();
    }
    this.finishIfDone();
  }

  // ---- the replica's side ------------------------------------------------

  /** Gives the link its replica connection: one it opened (duplicator) or one the replica opened (aggregator). */
  attachReplica(socket: Socket): void {
    if (this.state !== 'active' || this.replica) {
      // Its production connection is already finished (aggregator): nothing to replay.
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    this.replica = socket;
    this.ctx.stats.replicaConnections++;
    this.ctx.stats.replicaConnectionsActive++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onReplicaOutput(chunk));
    socket.on('end', () => {
      this.replicaOutputEnded = true;
      this.pump();
    });
    socket.on('drain', () => this.pump());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const reason = this.replicaWritable ? 'replica-error' : 'replica-unavailable';
      if (this.state === 'active') this.ctx.log.debug({ connection: this.id, err: err.message }, 'replica connection failed');
      this.cut(reason);
    });
    socket.on('close', () => {
      this.replicaClosed = true;
      this.ctx.stats.replicaConnectionsActive--;
      // Not yet a loss: only bytes production receives from now on are (see pump).
      this.pump();
      this.finishIfDone();
    });
    if (socket.connecting) {
      socket.once('connect', () => {
        this.replicaWritable = true;
        this.pump();
      });
    } else {
      this.replicaWritable = true;
      this.pump();
    }
  }

  /** Stops mirroring this connection; production is not affected. */
  cut(reason: CutReason): void {
    if (this.state !== 'active') return;
    this.state = 'cut';
    this.cutReason = reason;
    this.ctx.stats.countCut(reason);
    const undelivered = this.queuedData.length;
    this.dropQueue();
    this.clearTimers();
    if (undelivered > 0) this.lose(undelivered);
    const replica = this.replica;
    if (replica && !replica.destroyed) {
      // A reset, not a FIN: the replica must not take a cut stream for a finished one.
      if (replica.connecting) replica.destroy();
      else replica.resetAndDestroy();
    }
    this.finishIfDone();
  }

  snapshot(): LinkSnapshot {
    return {
      id: this.id,
      startedAt: new Date(this.startedAt).toISOString(),
      state: this.state,
      cutReason: this.cutReason ?? null,
      queuedBytes: this.queued,
      bufferLevel: this.queued / this.ctx.settings.connectionBufferBytes,
      bytesToReplica: this.toReplica,
      bytesFromReplica: this.fromReplica,
      debugWindowSeconds: this.overflowWindowSeconds ?? null,
    };
  }

  // ---- internals ---------------------------------------------------------

  /** Ends production's current exchange and queues its comparison; false if that overflowed. */
  private closeProductionExchange(): boolean {
    const production = this.productionExchange.finish(this.productionOutput);
    this.productionAnsweredSinceTurn = false;
    const storedHead = this.queuedHeads.repeats(production.head) ? 0 : production.head.length;
    const cost = production.length > 0 ? EXCHANGE_RECORD_BYTES + storedHead : 0;
    if (!this.admit(cost)) return false;
    const headLength = this.queuedHeads.put(production.head);
    production.head = NO_HEAD;
    const event = this.answerOwedSince !== Infinity ? this.answerOwedSince : this.nextEvent();
    this.answerOwedSince = Infinity;
    this.queue.pushCompare({ event, production, headLength, requestOffset: this.turnRequestOffset, cost });
    return true;
  }

  /** Accounts `bytes` against --buffer and --total-buffer, or overflows and cuts. */
  private admit(bytes: number): boolean {
    if (this.queued + bytes > this.ctx.settings.connectionBufferBytes) {
      this.overflow('connection-buffer-overflow');
      return false;
    }
    if (!this.ctx.budget.tryReserve(bytes)) {
      this.overflow('total-buffer-overflow');
      return false;
    }
    this.queued += bytes;
    this.ctx.traffic.admittedBytes.add(nowSeconds(), bytes);
    return true;
  }

  private overflow(reason: 'connection-buffer-overflow' | 'total-buffer-overflow'): void {
    const now = Date.now();
    this.overflowWindowSeconds = (now - this.startedAt) / 1000;
    this.ctx.stats.recordOverflow({
      at: new Date(now).toISOString(),
      connection: this.id,
      reason,
      debugWindowSeconds: this.overflowWindowSeconds,
    });
    this.ctx.log.info(
      { connection: this.id, reason, queuedBytes: this.queued, debugWindowSeconds: this.overflowWindowSeconds },
      'debug buffer overflow: replica side cut',
    );
    this.cut(reason);
  }

  private release(bytes: number): void {
    this.queued -= bytes;
    this.ctx.budget.release(bytes);
  }

  /** Empties the queue (the replica side is over or cut). */
  private dropQueue(): void {
    this.ctx.budget.release(this.queued);
    this.queued = 0;
    this.queue.clear();
    this.queuedData.clear();
    this.queuedHeads.clear();
  }

  /** Production received `bytes` that the replica will never get: the replica is out of sync. */
  private lose(bytes: number): void {
    if (bytes === 0) return;
    this.ctx.stats.bytesLostToReplica += bytes;
    if (this.lostMarked) return;
    this.lostMarked = true;
    const reason = this.cutReason ?? 'replica-closed';
    if (this.ctx.sync.markOutOfSync(reason)) {
      this.ctx.log.warn(
        { connection: this.id, reason, debugWindowSeconds: this.ctx.sync.state().debugWindowSeconds },
        'replica out of sync: it missed bytes production received (run `parikshan reset` once it is restored)',
      );
    }
  }

  private onReplicaOutput(chunk: Buffer): void {
    this.fromReplica += chunk.length;
    this.ctx.stats.bytesFromReplica += chunk.length;
    this.lastReplicaProgress = Date.now();
    this.lastAnswerAt = nowSeconds();
    if (this.state !== 'active') return;
    this.replicaExchange.push(chunk);
    if (this.queue.headKind() === 'compare') this.pump();
    else this.updateOwed();
  }

  private pump(): void {
    this.pumpQueue();
    this.updateOwed();
  }

  /** Writes queued bytes to the replica until its socket is full or a comparison must wait for its answer. */
  private pumpQueue(): void {
    if (this.state !== 'active' || !this.replica || !this.replicaWritable || this.heldForOlder) return;
    const replica = this.replica;
    for (let kind = this.queue.headKind(); kind; kind = this.queue.headKind()) {
      if (kind === 'data') {
        if (this.replicaClosed || replica.writableEnded) return this.cut('replica-closed');
        if (replica.writableNeedDrain) return;
        const length = this.queue.headLength();
        this.queue.shift();
        this.release(length);
        this.countDelivered(length);
        this.queuedData.take(length, (piece) => replica.write(piece));
      } else if (kind === 'compare') {
        if (!this.replicaHasAnswered(this.queue.headLength())) return this.waitForReplica();
        this.compareHead(false);
      } else if (kind === 'end') {
        this.queue.shift();
        replica.end();
      } else {
        this.queue.shift();
        this.state = 'done';
        this.dropQueue();
        replica.resetAndDestroy();
        this.clearTimers();
        return this.finishIfDone();
      }
    }
    if (!this.leaderOpen && this.productionDone()) this.closeWhenReplicaFinishes();
  }

  /** Whether bytes handed over now would go straight to the replica's socket. */
  private replicaTakesBytesNow(): boolean {
    const replica = this.replica;
    return (
      replica !== undefined &&
      this.replicaWritable &&
      !this.heldForOlder &&
      !this.replicaClosed &&
      !replica.writableEnded &&
      !replica.writableNeedDrain
    );
  }

  private countDelivered(bytes: number): void {
    this.toReplica += bytes;
    this.ctx.stats.bytesToReplica += bytes;
    this.lastReplicaProgress = Date.now();
    this.turnHandedAt = nowSeconds();
  }

  /** Admitted client bytes go straight to the replica's socket. */
  private deliver(chunk: Buffer): void {
    this.release(chunk.length);
    this.countDelivered(chunk.length);
    this.replica!.write(chunk);
  }

  /** Queues admitted client bytes; consecutive ones make one data item. */
  private enqueue(chunk: Buffer): void {
    this.queuedData.append(chunk);
    this.queue.pushData(this.nextEvent(), chunk.length);
  }

  private productionDone(): boolean {
    return this.queue.length === 0 && (this.productionOutputEnded || !this.leaderOpen);
  }

  /** Whether the replica has sent `bytes` in its current exchange, or will send nothing more. */
  private replicaHasAnswered(bytes: number): boolean {
    return this.replicaExchange.length >= bytes || this.replicaOutputEnded || this.replicaClosed;
  }

  /** Takes the comparison at the head of the queue and compares it with the replica's exchange so far. */
  private compareHead(timedOut: boolean): void {
    const item = this.queue.headCompare();
    this.queue.shift();
    this.release(item.cost);
    this.sampleServiceTime(item, timedOut);
    this.compare(item, timedOut);
  }

  /**
   * The replica's time for the turn just answered: from its last byte handed
   * over to the replica's last byte of answer. Pacing hands over the next
   * turn only after this answer, so while the queue is backlogged these are
   * the times between departures, 1/μ of the model. Timed-out answers and
   * turns production did not answer say nothing about the replica's speed.
   */
  private sampleServiceTime(item: CompareRecord, timedOut: boolean): void {
    if (timedOut || item.production.length === 0 || this.turnHandedAt === 0) return;
    const seconds = this.lastAnswerAt - this.turnHandedAt;
    if (seconds >= 0) this.ctx.traffic.serviceSeconds.add(this.lastAnswerAt, seconds);
  }

  private compare(item: CompareRecord, timedOut: boolean): void {
    const replica = this.replicaExchange.finish(this.fromReplica);
    const { production } = item;
    production.head = this.queuedHeads.take(item.headLength);
    if (production.length === 0 && replica.length === 0) return;
    if (exchangesMatch(production, replica)) {
      this.ctx.divergence.recordMatch();
      return;
    }
    const sample = this.ctx.divergence.recordDivergence(this.id, item.requestOffset, item.production, replica, timedOut);
    this.ctx.log.debug({ divergence: sample }, 'divergent exchange');
  }

  private waitForReplica(): void {
    if (this.waitTimer) return;
    const delay = Math.max(1, this.lastReplicaProgress + this.ctx.settings.exchangeTimeoutMs - Date.now());
    this.waitTimer = setTimeout(() => {
      this.waitTimer = undefined;
      const head = this.queue.headKind();
      const owesOpenAnswer = head === undefined && this.answerOwedSince !== Infinity;
      if (this.state !== 'active' || (head !== 'compare' && !owesOpenAnswer)) return;
      if (Date.now() - this.lastReplicaProgress < this.ctx.settings.exchangeTimeoutMs) return this.waitForReplica();
      if (owesOpenAnswer) {
        // The replica answered short, or not at all, and the client has not sent its next turn:
        // newer connections need not wait for the rest of an answer that may never come.
        this.answerOwedSince = Infinity;
        return this.updateOwed();
      }
      this.compareHead(true);
      this.pump();
    }, delay);
  }

  /** Production is finished and everything was delivered: let the replica finish its answer, then close. */
  private closeWhenReplicaFinishes(): void {
    if (this.state !== 'active') return;
    const replica = this.replica!;
    if (this.replicaClosed || (this.replicaOutputEnded && replica.writableFinished)) {
      this.state = 'done';
      this.clearTimers();
      replica.destroy();
      this.finishIfDone();
    }
    // Otherwise the replica's FIN or close brings us back here, or the stall timer cuts it.
  }

  /** After production's connection closed, a replica that makes no progress for a while is let go. */
  private armStallTimer(): void {
    const check = () => {
      this.stallTimer = undefined;
      if (this.state !== 'active') return;
      const idle = Date.now() - this.lastReplicaProgress;
      if (idle < this.ctx.settings.replicaStallMs) {
        this.stallTimer = setTimeout(check, this.ctx.settings.replicaStallMs - idle);
        return;
      }
      if (this.queue.length === 0) {
        // Everything was delivered; the replica just did not close its side.
        this.state = 'done';
        this.clearTimers();
        this.replica?.destroy();
        this.finishIfDone();
      } else {
        this.cut(this.replica ? 'replica-stalled' : 'replica-absent');
      }
    };
    this.stallTimer = setTimeout(check, this.ctx.settings.replicaStallMs);
  }

  private clearTimers(): void {
    clearTimeout(this.waitTimer);
    clearTimeout(this.stallTimer);
    this.waitTimer = undefined;
    this.stallTimer = undefined;
  }

  /** The ConnectionOrder event number for something production just received (0 when order is not kept). */
  private nextEvent(): number {
    return this.order ? this.order.nextEvent() : 0;
  }

  /** Tells ConnectionOrder the oldest thing the replica still owes on this connection. */
  private updateOwed(): void {
    if (!this.order) return;
    let since = Infinity;
    if (this.state === 'active') {
      if (this.queue.length > 0) since = this.queue.headEvent();
      else if (this.answerOwedSince !== Infinity && !this.replicaHasAnswered(this.productionExchange.length)) {
        since = this.answerOwedSince;
        this.waitForReplica();
      } else this.answerOwedSince = Infinity;
    }
    this.order.setOwed(this.orderEntry!, since);
  }

  private finishIfDone(): void {
    this.updateOwed();
    if (this.leaderOpen || this.state === 'active') return;
    if (this.replica && !this.replicaClosed) return;
    const listeners = this.finishedListeners;
    this.finishedListeners = [];
    for (const listener of listeners) listener();
  }
}
