/** Why a connection's replica side was cut; each also explains a replica out of sync. */
export type CutReason =
  | 'connection-buffer-overflow'
  | 'total-buffer-overflow'
  | 'replica-unavailable'
  | 'replica-error'
  | 'replica-closed'
  | 'replica-absent'
  | 'replica-stalled'
  | 'shutdown';

export interface SyncState {
  inSync: boolean;
  /** When mirroring started (process start or the last reset), ISO time. */
  mirroringSince: string;
  outOfSyncSince: string | null;
  reason: CutReason | null;
  /**
   * The debug window: seconds from the start of mirroring until the replica first
   * went out of sync; while it is in sync, the seconds mirrored so far.
   */
  debugWindowSeconds: number;
  /** Connections whose replica side was cut since mirroring started. */
  connectionsLost: number;
}

/**
 * Whether the replica still holds production's state. Once bytes production
 * received are lost to the replica, it stays out of sync until an operator
 * resets it (having, say, restored it from a snapshot of production).
 */
export class ReplicaSync {
  private since: number;
  private outOfSyncAt: number | undefined;
  private firstReason: CutReason | undefined;
  private lost = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  get inSync(): boolean {
    return this.outOfSyncAt === undefined;
  }

  /** Returns true when this call is the one that took the replica out of sync. */
  markOutOfSync(reason: CutReason): boolean {
    this.lost++;
    if (this.outOfSyncAt !== undefined) return false;
    this.outOfSyncAt = this.now();
    this.firstReason = reason;
    return true;
  }

  reset(): void {
    this.since = this.now();
    this.outOfSyncAt = undefined;
    this.firstReason = undefined;
    this.lost = 0;
  }

  state(): SyncState {
    const end = this.outOfSyncAt ?? this.now();
    return {
      inSync: this.inSync,
      mirroringSince: new Date(this.since).toISOString(),
      outOfSyncSince: this.outOfSyncAt === undefined ? null : new Date(this.outOfSyncAt).toISOString(),
      reason: this.firstReason ?? null,
      debugWindowSeconds: (end - this.since) / 1000,
      connectionsLost: this.lost,
    };
  }
}
