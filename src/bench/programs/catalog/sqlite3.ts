import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../../util/user-error.js';
import { runLogged } from '../build-log.js';
import { compileAndLink } from '../compile-c.js';
import type { Program } from '../program.js';
import { onPath } from '../run-command.js';
import { timedRun } from '../timed-run.js';

/** One timed test line: ` 100 - 10000 INSERTs into table with no index......    0.004s`. */
const TEST_LINE = /^\s*(\d+) - (.+?)\.{2,}\s+\d+\.\d{3}s$/;
const HASH_LINE = /^Verification Hash: (\d+) ([0-9a-f]+)$/;

/**
 * SQLite 3.40.1's own benchmark, test/speedtest1.c, linked with the
 * amalgamation. Debian ships the full source tree, not the amalgamation:
 * generating sqlite3.c needs tclsh and takes about two seconds, which is less
 * than running configure would, so every build does it in its work directory.
 */
export const sqlite3: Program = {
  name: 'sqlite3',
  sourcePackage: 'sqlite3',
  summary: 'speedtest1 from the sqlite3 sources, in-memory database, --verify (quick --size 40, full --size 100)',
  binaries: ['speedtest1'],
  recipeRevision: 1,

  async build(ctx) {
    const { source, workDir, logFile } = ctx;
    if (!(await onPath('tclsh'))) {
      throw new UserError('tclsh is missing; it generates the sqlite3.c amalgamation', 'bash scripts/system-deps.sh programs');
    }
    // The template makefile builds the amalgamation into the current directory
    // with host tools (lemon, mkkeywordhash) compiled -O0, never writing to TOP.
    await runLogged(logFile, 'make', ['-f', path.join(source.dir, 'Makefile.linux-gcc'), `TOP=${source.dir}`, 'sqlite3.c'], { cwd: workDir });
    await compileAndLink(ctx, {
      // sqlite3.c first: it takes nearly all the time, so it starts at once.
      sources: [path.join(workDir, 'sqlite3.c'), 'test/speedtest1.c'],
      includeDirs: [workDir],
      // As main.mk builds speedtest1.
      defines: ['SQLITE_THREADSAFE=0'],
      libs: ['-lm', '-ldl', '-lpthread'],
      output: 'speedtest1',
    });
  },

  async run(binaries, { size }) {
    const testSize = size === 'quick' ? 40 : 100;
    const run = await timedRun(binaries.speedtest1!, ['--size', String(testSize), '--verify', '--memdb']);
    const digest = createHash('sha256');
    let tests = 0;
    let verification: string | undefined;
    for (const line of run.stdout.split('\n')) {
      const test = TEST_LINE.exec(line);
      if (test) {
        tests++;
        digest.update(`${test[1]} ${test[2]}\n`);
      }
      const hash = HASH_LINE.exec(line.trim());
      if (hash) verification = `${hash[1]} ${hash[2]}`;
    }
    // The main test set has 32 tests in 3.40; fewer means speedtest1 stopped early.
    if (tests < 30 || !verification || !/^\s+TOTAL\.+\s+\d+\.\d{3}s$/m.test(run.stdout)) {
      throw new Error(`speedtest1 output lacks its tests, TOTAL line or verification hash (${tests} tests):\n${run.stdout}`);
    }
    digest.update(`verification ${verification}\n`);
    return { seconds: run.seconds, outputDigest: digest.digest('hex'), details: { tests, verification } };
  },
};
