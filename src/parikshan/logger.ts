import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** JSON lines on stderr, one object per event; stdout stays free for command output. */
export function createLogger(role: string, level: LogLevel): Logger {
  return pino({ name: `parikshan-${role}`, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
