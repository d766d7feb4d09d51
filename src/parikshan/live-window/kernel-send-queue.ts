/**
 * Bytes the kernel still holds in a TCP socket's send queue (written, not yet
 * acknowledged by the peer): what SIOCOUTQ answers for one socket. Node has
 * no API for it, so it is read from /proc/net/tcp and /proc/net/tcp6, whose
 * tx_queue column is the same quantity (write_seq − snd_una) for every socket
 * of this network namespace; no native code needed. Sockets are found by
 * their local and remote ports.
 */
import { readFileSync } from 'node:fs';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const ESTABLISHED = '01';

/** `localPort>remotePort` → send-queue bytes, for every established TCP socket; empty if /proc is unreadable. */
export function readKernelSendQueues(tables: readonly string[] = TABLES): Map<string, number> {
  const queues = new Map<string, number>();
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue; // no IPv6, or no /proc: the queues count as unknown (0)
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue ...
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5 || fields[3] !== ESTABLISHED) continue;
      const localPort = parseInt(fields[1]!.split(':')[1]!, 16);
      const remotePort = parseInt(fields[2]!.split(':')[1]!, 16);
      const txQueue = parseInt(fields[4]!.split(':')[0]!, 16);
      if (txQueue > 0) queues.set(sendQueueKey(localPort, remotePort), txQueue);
    }
  }
  return queues;
}

export function sendQueueKey(localPort: number, remotePort: number): string {
  return `${localPort}>${remotePort}`;
}
