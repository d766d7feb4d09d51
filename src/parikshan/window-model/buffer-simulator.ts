/**
 * Discrete-event simulation of the duplicator's debug buffers: each
 * connection has its own arrivals, its own FIFO buffer and the replica's
 * service of that connection; the run ends at the first overflow of a
 * connection's bound or of the total bound (the replica is then out of sync),
 * or at the horizon. The state lives in typed arrays allocated once per run,
 * so the event loop allocates nothing and a replication of 10^6 events takes
 * a few milliseconds.
 */
import type { RandomStream } from './random-stream.js';

/** How a quantity (inter-arrival time, service time, request size) is drawn. */
export type Draw =
  | { kind: 'exponential'; mean: number }
  | { kind: 'fixed'; value: number }
  /** Measured values: `replay` walks them in order from a random start, `resample` draws them at random. */
  | { kind: 'samples'; values: Float64Array; order: 'replay' | 'resample' };

export interface BufferScenario {
  /** Connections, each with the arrivals below (independent). */
  connections: number;
  /** Seconds between a connection's requests. */
  interArrival: Draw;
  /** Seconds the uninstrumented replica takes per request. */
  service: Draw;
  /** The replica's service times are multiplied by this (1 = uninstrumented). */
  slowdown: number;
  /** Bytes per request; absent: every request counts 1 and the capacities are in requests. */
  requestSize?: Draw;
  /** What one connection's buffer holds; the arrival that would exceed it overflows. */
  connectionCapacity: number;
  /** What all buffers together hold (Infinity: no total bound). */
  totalCapacity: number;
  /** Simulated seconds per replication. */
  horizonSeconds: number;
}

export type OverflowBound = 'connection' | 'total';

export interface ReplicationResult {
  /** Seconds to the first overflow; Infinity if none within the horizon. */
  hittingTime: number;
  bound: OverflowBound | null;
  /** Largest content of any one connection's buffer seen. */
  peakContent: number;
  events: number;
}

/** The sizes of the requests in one connection's buffer, oldest first (a growable ring). */
class SizeRing {
  private values = new Float64Array(64);
  private head = 0;
  private count = 0;

  push(value: number): void {
    if (this.count === this.values.length) this.grow();
    this.values[(this.head + this.count) & (this.values.length - 1)] = value;
    this.count++;
  }

  shift(): number {
    const value = this.values[this.head]!;
    this.head = (this.head + 1) & (this.values.length - 1);
    this.count--;
    return value;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const bigger = new Float64Array(this.values.length * 2);
    for (let i = 0; i < this.count; i++) bigger[i] = this.values[(this.head + i) & (this.values.length - 1)]!;
    this.values = bigger;
    this.head = 0;
  }
}

/** Draws from a Draw, keeping the replay position of measured samples. */
class Drawer {
  private position = 0;

  constructor(
    private readonly draw: Draw,
    private readonly random: RandomStream,
  ) {}

  restart(): void {
    if (this.draw.kind === 'samples') this.position = this.random.index(this.draw.values.length);
  }

  next(): number {
    const draw = this.draw;
    if (draw.kind === 'exponential') return this.random.exponential(draw.mean);
    if (draw.kind === 'fixed') return draw.value;
    if (draw.order === 'resample') return draw.values[this.random.index(draw.values.length)]!;
    const value = draw.values[this.position]!;
    this.position = (this.position + 1) % draw.values.length;
    return value;
  }
}

export function drawMean(draw: Draw): number {
  if (draw.kind === 'exponential') return draw.mean;
  if (draw.kind === 'fixed') return draw.value;
  let sum = 0;
  for (const value of draw.values) sum += value;
  return sum / draw.values.length;
}

/** A reusable simulator for one scenario: run() is one replication. */
export class BufferSimulator {
  private readonly nextArrival: Float64Array;
  private readonly nextDeparture: Float64Array;
  private readonly content: Float64Array;
  private readonly waiting: Int32Array;
  private readonly rings: SizeRing[] | undefined;
  private readonly arrivals: Drawer[];
  private readonly services: Drawer[];
  private readonly sizes: Drawer[] | undefined;

  constructor(
    private readonly scenario: BufferScenario,
    random: RandomStream,
  ) {
    const n = scenario.connections;
    if (!(n >= 1)) throw new RangeError('at least one connection');
    this.nextArrival = new Float64Array(n);
    this.nextDeparture = new Float64Array(n);
    this.content = new Float64Array(n);
    this.waiting = new Int32Array(n);
    this.arrivals = Array.from({ length: n }, () => new Drawer(scenario.interArrival, random));
    this.services = Array.from({ length: n }, () => new Drawer(scenario.service, random));
    const size = scenario.requestSize;
    // Fixed sizes need no memory of which request is which: content = count × size.
    const variableSize = size !== undefined && size.kind !== 'fixed';
    this.sizes = size ? Array.from({ length: n }, () => new Drawer(size, random)) : undefined;
    this.rings = variableSize ? Array.from({ length: n }, () => new SizeRing()) : undefined;
  }

  run(): ReplicationResult {
    const { connections: n, slowdown, connectionCapacity, totalCapacity, horizonSeconds } = this.scenario;
    const { nextArrival, nextDeparture, content, waiting, rings, arrivals, services, sizes } = this;
    for (let i = 0; i < n; i++) {
      arrivals[i]!.restart();
      services[i]!.restart();
      sizes?.[i]!.restart();
      rings?.[i]!.clear();
      nextArrival[i] = arrivals[i]!.next();
      nextDeparture[i] = Infinity;
      content[i] = 0;
      waiting[i] = 0;
    }
    const fixedSize = this.scenario.requestSize?.kind === 'fixed' ? this.scenario.requestSize.value : 1;
    let total = 0;
    let peak = 0;
    let events = 0;
    for (;;) {
      // The next event of any connection: a linear scan, since connections are few.
      let at = Infinity;
      let who = 0;
      let isArrival = true;
      for (let i = 0; i < n; i++) {
        if (nextArrival[i]! < at) {
          at = nextArrival[i]!;
          who = i;
          isArrival = true;
        }
        if (nextDeparture[i]! < at) {
          at = nextDeparture[i]!;
          who = i;
          isArrival = false;
        }
      }
      if (at > horizonSeconds) return { hittingTime: Infinity, bound: null, peakContent: peak, events };
      events++;
      if (isArrival) {
        const size = rings ? sizes![who]!.next() : fixedSize;
        if (content[who]! + size > connectionCapacity) return { hittingTime: at, bound: 'connection', peakContent: peak, events };
        if (total + size > totalCapacity) return { hittingTime: at, bound: 'total', peakContent: peak, events };
        content[who] = content[who]! + size;
        total += size;
        if (content[who]! > peak) peak = content[who]!;
        rings?.[who]!.push(size);
        if (waiting[who]++ === 0) nextDeparture[who] = at + services[who]!.next() * slowdown;
        nextArrival[who] = at + arrivals[who]!.next();
      } else {
        const size = rings ? rings[who]!.shift() : fixedSize;
        content[who] = content[who]! - size;
        total -= size;
        nextDeparture[who] = --waiting[who]! > 0 ? at + services[who]!.next() * slowdown : Infinity;
      }
    }
  }
}

/** Hitting times of `replications` independent runs (Infinity: no overflow within the horizon). */
export function simulateHittingTimes(scenario: BufferScenario, replications: number, random: RandomStream): Float64Array {
  const simulator = new BufferSimulator(scenario, random);
  const times = new Float64Array(replications);
  for (let r = 0; r < replications; r++) times[r] = simulator.run().hittingTime;
  return times;
}
