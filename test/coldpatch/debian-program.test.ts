/**
 * ColdPatch on real programs: the six Debian source programs of the README's
 * claim (bzip2, lz4, lua, zstd, sqlite3, redis), each built with
 * -finstrument-functions, coldpatched, and run on its quick workload: the
 * output is identical to the uninstrumented build's, and only the hook calls
 * changed.
 *
 * CI checks one variant per program, Debian's default layout, and for bzip2
 * also every layout flag at once. IPROBE_SLOW_TESTS=1 adds that full-layout
 * variant for the other five and also runs the instrumented builds.
 *
 * The builds go to the shared cache (~/.cache/iprobe): redis's instrumented
 * build is the one the live redis tests coldpatch later.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/bench/programs/build-program.js';
import { PROGRAMS } from '../../src/bench/programs/catalog/index.js';
import { parseVariant, variantName, type Variant } from '../../src/bench/programs/variant.js';
import { expectObjdumpAgrees, expectOnlySitesChanged, expectWellFormedPlaceholders, readProbeList } from '../support/coldpatch-checks.js';
import { iprobe } from '../support/iprobe-cli.js';
import { objdumpHookBranches } from '../support/objdump.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('debian-program');
const slow = process.env.IPROBE_SLOW_TESTS === '1';
const debianLayout = parseVariant('O2+instrumented');
const everyLayoutFlag = parseVariant('O2+instrumented+cf-protection+no-plt+full-relro+no-pie');

function variantsOf(program: string): Variant[] {
  return program === 'bzip2' || slow ? [debianLayout, everyLayoutFlag] : [debianLayout];
}

const cases = PROGRAMS.flatMap((program) => variantsOf(program.name).map((variant) => [program.name, variantName(variant), program, variant] as const));

describe.each(cases)('%s %s', (name, variantLabel, program, variant) => {
  test(
    'coldpatched output is identical to the uninstrumented build, only hook calls changed',
    async () => {
      // Both at once: sqlite3's build is one big compilation, so two of them fill both cores.
      const [plain, instrumented] = await Promise.all([
        buildProgram(name, { ...variant, instrumented: false }),
        buildProgram(name, variant),
      ]);
      expect(await objdumpHookBranches(plain.main)).toEqual([]);
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
      const asColdpatched = await program.run(coldpatched, { size: 'quick' });
      expect(asColdpatched.outputDigest).toBe(reference.outputDigest);
      if (slow || name === 'bzip2') {
        const asInstrumented = await program.run(instrumented.binaries, { size: 'quick' });
        expect(asInstrumented.outputDigest).toBe(reference.outputDigest);
      }
    },
    900_000,
  );
});
