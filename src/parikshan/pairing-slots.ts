import type { ReplicaLink } from './replica-link.js';

/**
 * The aggregator's pairing: the n-th connection production opens to the
 * upstream is mirrored by the n-th connection the replica opens to us,
 * whichever of the two arrives first.
 */
export class PairingSlots {
  private productionArrivals = 0;
  private replicaArrivals = 0;
  /** Slots where one side has arrived; 'finished' once production's side ended before the replica came. */
  private readonly slots = new Map<number, ReplicaLink | 'finished'>();

  constructor(private readonly createLink: () => ReplicaLink) {}

  /** The link for production's next connection. */
  forProduction(): ReplicaLink {
    const slot = ++this.productionArrivals;
    const waiting = this.slots.get(slot);
    if (waiting !== undefined && waiting !== 'finished') {
      this.slots.delete(slot);
      return waiting;
    }
    const link = this.createLink();
    this.slots.set(slot, link);
    link.onFinished(() => {
      if (this.slots.get(slot) === link) this.slots.set(slot, 'finished');
    });
    return link;
  }

  /** The link for the replica's next connection; undefined when its production connection is already over. */
  forReplica(): ReplicaLink | undefined {
    const slot = ++this.replicaArrivals;
    const waiting = this.slots.get(slot);
    if (waiting !== undefined) {
      this.slots.delete(slot);
      return waiting === 'finished' ? undefined : waiting;
    }
    const link = this.createLink();
    this.slots.set(slot, link);
    return link;
  }

  get unpaired(): number {
    return this.slots.size;
  }
}
