/**
 * ColdPatch on a real program: bzip2 from Debian's sources, built with
 * -finstrument-functions (Debian's default layout, and with every layout
 * flag at once), coldpatched, and run on its real workload: the output is
 * identical to the uninstrumented build's, and only the hook calls changed.
 * (IPROBE_SLOW_TESTS=1 adds lua5.4 and sqlite3.)
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import { programByName } from '../../src/bench/programs/catalog/index.js';
import { parseVariant, variantName } from '../../src/bench/programs/variant.js';
import { expectObjdumpAgrees, expectOnlySitesChanged, expectWellFormedPlaceholders, readProbeList } from '../support/coldpatch-checks.js';
import { iprobe } from '../support/iprobe-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('debian-program');
const slow = process.env.IPROBE_SLOW_TESTS === '1';
const programs = slow ? ['bzip2', 'lua', 'sqlite3'] : ['bzip2'];
const variants = ['O2+instrumented', 'O2+instrumented+cf-protection+no-plt+full-relro+no-pie'].map(parseVariant);

describe.each(programs)('%s', (name) => {
  test.each(variants.map((v) => [variantName(v), v] as const))(
    '%s: coldpatched output is identical to the uninstrumented build, only hook calls changed',
    async (variantLabel, variant) => {
      const program = programByName(name);
      const [plain, instrumented] = await Promise.all([
        buildProgram(name, { ...variant, instrumented: false }),
        buildProgram(name, variant),
      ]);
      const coldpatched: Record<string, string> = {};
      for (const [binaryName, binary] of Object.entries(instrumented.binaries)) {
        const out = path.join(dir, `${name}-${variantLabel}-${binaryName}`);
        const r = await iprobe(['coldpatch', binary, '-o', out, '--json']);
        expect(r.code, r.stderr).toBe(0);
        const list = readProbeList(`${out}.probes.json`);
        expect(list.sites.length).toBeGreaterThan(100);
        expectOnlySitesChanged(binary, out, list);
        expectWellFormedPlaceholders(list);
        await expectObjdumpAgrees(binary, out, list);
        coldpatched[binaryName] = out;
      }
      const reference = await program.run(plain.binaries, { size: 'quick' });
      const asInstrumented = await program.run(instrumented.binaries, { size: 'quick' });
      const asColdpatched = await program.run(coldpatched, { size: 'quick' });
      expect(asInstrumented.outputDigest).toBe(reference.outputDigest);
      expect(asColdpatched.outputDigest).toBe(reference.outputDigest);
    },
    600_000,
  );
});
