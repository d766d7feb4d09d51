import { formatByteSize } from './byte-size.js';
import type { StatusReport } from './status-report.js';

/** Renders a StatusReport for a terminal: a summary table, then divergences and the busiest connections. */
export function formatStatus(status: StatusReport): string {
  const { replica, connections, bytes, buffer, overflows, divergence, limits } = status;
  const lines: string[] = [];
  lines.push(`parikshan ${status.role} ${status.version} (pid ${status.pid}), up ${seconds(status.uptimeSeconds)}`);
  lines.push(`  ${Object.entries(status.addresses).map(([name, address]) => `${name} ${address}`).join(', ')}`);
  lines.push('');
  const sync = replica.inSync
    ? `in sync; debug window ${seconds(replica.debugWindowSeconds)} so far (since ${replica.mirroringSince})`
    : `OUT OF SYNC since ${replica.outOfSyncSince} (${replica.reason}); debug window ${seconds(replica.debugWindowSeconds)}; ` +
      'run `parikshan reset` once the replica is restored';
  const cuts = Object.entries(status.cuts).map(([reason, count]) => `${reason} ${count}`);
  lines.push(
    table(
      ['', 'value'],
      [
        ['replica', sync],
        ['production connections', `${connections.production.active} active, ${connections.production.total} total`],
        ['replica connections', `${connections.replica.active} active, ${connections.replica.total} total`],
        ['bytes request / response', `${formatByteSize(bytes.request)} / ${formatByteSize(bytes.response)}`],
        ['bytes to / from replica', `${formatByteSize(bytes.toReplica)} / ${formatByteSize(bytes.fromReplica)}`],
        ['bytes lost to replica', formatByteSize(bytes.lostToReplica)],
        [
          'buffer level',
          `${percent(buffer.level)} of ${formatByteSize(limits.connectionBufferBytes)} (fullest of ${buffer.activeConnections}), ` +
            `total ${formatByteSize(buffer.queuedBytes)} = ${percent(buffer.totalLevel)} of ${formatByteSize(limits.totalBufferBytes)}`,
        ],
        ['overflows', `connection ${overflows.connection}, total ${overflows.total}`],
        ['replica sides cut', cuts.length > 0 ? cuts.join(', ') : 'none'],
        ['exchanges compared', String(divergence.compared)],
        [
          'divergent',
          `${divergence.divergent} (${percent(divergence.rate)}), ${divergence.timedOut} by --exchange-timeout ${limits.exchangeTimeoutMs}ms`,
        ],
        ['ignored when comparing', limits.ignore.length > 0 ? limits.ignore.map((r) => `/${r}/`).join(' ') : 'nothing'],
      ],
    ),
  );
  lines.push('', ...formatPrediction(status.prediction));
  if (overflows.recent.length > 0) {
    lines.push('', 'recent overflows');
    lines.push(
      table(
        ['time', 'connection', 'bound', 'debug window'],
        overflows.recent.map((o) => [o.at, String(o.connection), o.reason, seconds(o.debugWindowSeconds)]),
      ),
    );
  }
  if (divergence.samples.length > 0) {
    lines.push('', 'recent divergences (offsets in bytes; first difference counted after --ignore)');
    lines.push(
      table(
        ['connection', 'exchange', 'request at', 'prod len', 'replica len', 'differs at', 'production', 'replica'],
        divergence.samples.map((d) => [
          String(d.connection),
          String(d.exchange),
          String(d.requestOffset),
          String(d.productionLength),
          String(d.replicaLength) + (d.timedOut ? ' (timeout)' : ''),
          d.firstDifference === null ? '>1KiB' : String(d.firstDifference),
          d.production,
          d.replica,
        ]),
      ),
    );
  }
  if (status.busiestConnections.length > 0) {
    lines.push('', 'busiest connections');
    lines.push(
      table(
        ['connection', 'since', 'queued', 'level', 'to replica', 'from replica'],
        status.busiestConnections.map((c) => [
          String(c.id),
          c.startedAt,
          formatByteSize(c.queuedBytes),
          percent(c.bufferLevel),
          formatByteSize(c.bytesToReplica),
          formatByteSize(c.bytesFromReplica),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The live debug-window prediction, next to the observed levels. */
function formatPrediction(p: StatusReport['prediction']): string[] {
  const title = `predicted debug window (M/M/1/K on rates measured over ~${seconds(p.rateWindowSeconds)}; required ${seconds(p.requiredWindowSeconds)})`;
  const observed = `fullest connection${p.observed.connection !== null ? ` ${p.observed.connection}` : ''}: ${formatByteSize(p.observed.queuedBytes)} queued (${percent(p.observed.level)} of --buffer) + ${formatByteSize(p.observed.socketBytes)} in the replica socket (Node + kernel)`;
  if (p.basis !== 'measured') {
    const why = p.basis === 'no-arrivals' ? 'no client turns measured yet' : 'no replica answers measured yet';
    return [title, table(['', 'value'], [['prediction', why], ['observed', observed]])];
  }
  const windowText =
    p.expectedWindowSeconds === null
      ? `10^${p.log10ExpectedWindowSeconds!.toFixed(0)}s: never, in practice`
      : seconds(p.expectedWindowSeconds);
  const budget =
    p.budgetVerdict === 'unlimited'
      ? 'unlimited (even a stalled replica keeps the required window)'
      : p.budgetVerdict === 'unreachable'
        ? 'none: the replica is already too slow for the required window'
        : `${p.maxSlowdown!.toFixed(2)}× slower than now keeps the required window`;
  return [
    title,
    table(
      ['', 'value'],
      [
        ['expected window', `${windowText} from empty buffers (${p.bound} bound)${p.belowRequired ? ' — BELOW THE REQUIRED WINDOW' : ''}`],
        ['remaining', p.remainingWindowSeconds === null ? 'never, in practice' : `${seconds(p.remainingWindowSeconds)} from the fullest connection's level`],
        ['slowdown budget', budget],
        ['arrivals λ', `${p.arrivalRate.toFixed(2)} turns/s on the busiest connection, ${p.totalArrivalRate.toFixed(2)}/s in all`],
        ['replica μ', `${p.serviceRate!.toFixed(2)} turns/s`],
        ['buffer K', `${p.capacityRequests} turns of ${p.turnBytes!.toFixed(0)} B`],
        ['observed', observed],
      ],
    ),
  ];
}

/** A plain-text table with aligned columns (also used by `parikshan model` and `simulate`). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 1)}%`;
}

export function seconds(value: number): string {
  if (value < 120) return `${value.toFixed(1)}s`;
  if (value < 7200) return `${Math.floor(value / 60)}m${Math.round(value % 60)}s`;
  return `${Math.floor(value / 3600)}h${Math.round((value % 3600) / 60)}m`;
}
