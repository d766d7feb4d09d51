/**
 * CPU time of a running process, from /proc/PID/task/TID/schedstat (time on
 * CPU in nanoseconds, per thread; /proc/PID/stat counts in 10 ms ticks,
 * too coarse for 100 ms intervals). A thread that exits between two reads
 * takes its last part of an interval with it.
 */
import { readFileSync, readdirSync } from 'node:fs';

export class CpuClock {
  private last = new Map<number, number>();

  constructor(readonly pid: number) {
    this.last = this.read();
  }

  /** CPU time since the previous call (or construction), in ns; undefined once the process is gone. */
  delta(): number | undefined {
    const now = this.read();
    if (now.size === 0) return undefined;
    let delta = 0;
    for (const [tid, ns] of now) delta += ns - (this.last.get(tid) ?? 0);
    this.last = now;
    return Math.max(0, delta);
  }

  private read(): Map<number, number> {
    const times = new Map<number, number>();
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${this.pid}/task`);
    } catch {
      return times;
    }
    for (const tid of tids) {
      try {
        times.set(Number(tid), Number(readFileSync(`/proc/${this.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // exited since the listing
      }
    }
    return times;
  }
}
