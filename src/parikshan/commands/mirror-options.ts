import { Option, type Command } from 'commander';
import { parseHostPort, type HostPort } from '../host-port.js';
import { LOG_LEVELS, type LogLevel } from '../logger.js';
import type { MirrorLimits } from '../mirror-hub.js';
import { NoiseFilter } from '../noise-filter.js';
import { parseDuration } from '../../util/parse-duration.js';
import { parseByteSize } from '../../util/parse-size.js';
import { asUsageError, UsageError } from '../../util/user-error.js';

/** Options as commander hands them over (strings until parsed). */
export interface RawMirrorOptions {
  buffer: string;
  totalBuffer: string;
  metrics: string;
  exchangeTimeout: string;
  ignore: string[];
  drainTimeout: string;
  stallTimeout: string;
  requiredWindow: string;
  rateWindow: string;
  logLevel: LogLevel;
}

export interface MirrorOptions {
  limits: MirrorLimits;
  metrics: HostPort;
  drainTimeoutMs: number;
  logLevel: LogLevel;
}

/** The options `duplicate` and `aggregate` share: bounds, divergence checking, admin endpoint, shutdown. */
export function addMirrorOptions(command: Command, defaultMetrics: string): Command {
  return command
    .option('--buffer <size>', 'per connection: bytes held for the replica before its side is cut', '4MiB')
    .option('--total-buffer <size>', 'all connections together: bytes held for the replica', '256MiB')
    .option('--metrics <host:port>', 'admin endpoint: /metrics (Prometheus), /status, /buffer-level, POST /reset', defaultMetrics)
    .option(
      '--exchange-timeout <duration>',
      'how long the replica may stay silent before its answer to a turn is compared short (e.g. 500ms, 2s)',
      '1s',
    )
    .option(
      '--ignore <regex>',
      'bytes matching this regular expression are left out when comparing answers (repeatable; e.g. a timestamp)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--drain-timeout <duration>', 'on SIGTERM: wait this long for production connections, then half-close them (0: wait)', '30s')
    .option('--stall-timeout <duration>', "after production's connection closed: let go of a replica making no progress", '60s')
    .option(
      '--required-window <duration>',
      'W: the debug window you need; status shows the predicted window and slowdown budget against it, and warns below it',
      '10m',
    )
    .option('--rate-window <duration>', 'time constant of the decaying window over which arrival and service rates are measured', '30s')
    .addOption(new Option('--log-level <level>', 'log level (JSON lines on stderr)').choices(LOG_LEVELS).default('info'));
}

export function parseMirrorOptions(raw: RawMirrorOptions): MirrorOptions {
  const connectionBufferBytes = parseByteSize(raw.buffer, '--buffer');
  const totalBufferBytes = parseByteSize(raw.totalBuffer, '--total-buffer');
  if (connectionBufferBytes > totalBufferBytes) {
    throw new UsageError(`--buffer (${raw.buffer}) is larger than --total-buffer (${raw.totalBuffer})`);
  }
  const filter = asUsageError(() => new NoiseFilter(raw.ignore));
  return {
    limits: {
      connectionBufferBytes,
      totalBufferBytes,
      exchangeTimeoutMs: Math.max(1, parseDuration(raw.exchangeTimeout, '--exchange-timeout', { defaultUnit: 'ms' })),
      replicaStallMs: Math.max(1, parseDuration(raw.stallTimeout, '--stall-timeout')),
      filter: filter.isEmpty ? undefined : filter,
      requiredWindowSeconds: parseDuration(raw.requiredWindow, '--required-window', { positive: true }) / 1000,
      rateWindowSeconds: parseDuration(raw.rateWindow, '--rate-window', { positive: true }) / 1000,
    },
    metrics: parseHostPort(raw.metrics, '--metrics', { listening: true }),
    drainTimeoutMs: parseDuration(raw.drainTimeout, '--drain-timeout'),
    logLevel: raw.logLevel,
  };
}
