import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startParikshan, waitForIdle, type RunningParikshan } from './helpers/parikshan-process.js';
import { documentRoot, startNginx, type Nginx } from './helpers/nginx.js';

const run = promisify(execFile);
const page = `<html><body>${'parikshan '.repeat(500)}</body></html>\n`;

describe('nginx web servers behind the duplicator', () => {
  let production: Nginx;
  let replica: Nginx;
  let duplicator: RunningParikshan;
  const caughtUp = () => waitForIdle(duplicator.addresses.metrics!);

  beforeAll(async () => {
    // The same page on both; version.txt differs (same length, same mtime): a deliberate divergence.
    production = await startNginx(`root ${documentRoot({ 'index.html': page, 'version.txt': 'build 1\n' })};`);
    replica = await startNginx(`root ${documentRoot({ 'index.html': page, 'version.txt': 'build 2\n' })};`);
    duplicator = await startParikshan([
      'duplicate', '--listen', '127.0.0.1:0', '--production', `127.0.0.1:${production.port}`,
      '--debug', `127.0.0.1:${replica.port}`, '--metrics', '127.0.0.1:0',
      // The Date header differs whenever the two answers straddle a second: the classic false alarm.
      '--ignore', 'Date: [^\\r]*',
    ]);
  });
  afterAll(async () => {
    expect(await duplicator.stop()).toBe(0);
    await Promise.all([production.stop(), replica.stop()]);
  });

  test('wrk through the duplicator: pages exact, replica answers identical once the Date header is ignored', async () => {
    const url = `http://127.0.0.1:${duplicator.port('listen')}/index.html`;
    const { stdout } = await run('wrk', ['-t', '2', '-c', '16', '-d', '1s', url]);
    const requests = Number(/(\d+) requests in/.exec(stdout)![1]);
    expect(requests).toBeGreaterThan(500);
    expect(stdout).not.toMatch(/Non-2xx/);
    expect(await (await fetch(url)).text()).toBe(page);
    const s = await caughtUp();
    expect(s.replica.inSync).toBe(true);
    expect(s.divergence.compared).toBeGreaterThanOrEqual(requests);
    expect(s.divergence.divergent).toBe(0);
  });

  test('a file that differs on the replica is caught, at the first differing byte of the body', async () => {
    const response = await fetch(`http://127.0.0.1:${duplicator.port('listen')}/version.txt`);
    expect(await response.text()).toBe('build 1\n');
    const s = await caughtUp();
    expect(s.divergence.divergent).toBe(1);
    const sample = s.divergence.samples[0]!;
    expect(sample.productionLength).toBe(sample.replicaLength);
    expect(sample.firstDifference).toBeGreaterThan(200); // past the headers
    expect(sample.production).toContain('build 1');
    expect(sample.replica).toContain('build 2');
  });
});
