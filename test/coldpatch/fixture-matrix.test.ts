/**
 * Every fixture, in every build variant of the matrix: coldpatched binaries
 * behave exactly like the instrumented and the uninstrumented builds, only
 * the hook call sites change, and objdump agrees on which sites those are.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseElf } from '../../src/elf/elf-file.js';
import { VARIANT_MATRIX } from '../support/compile.js';
import {
  expectObjdumpAgrees,
  expectOnlySitesChanged,
  expectWellFormedPlaceholders,
  readProbeList,
} from '../support/coldpatch-checks.js';
import { FIXTURE_PROGRAMS } from '../support/fixture-programs.js';
import { iprobe, runProgram } from '../support/iprobe-cli.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('matrix');

describe.each(FIXTURE_PROGRAMS.map((p) => [p.name, p] as const))('%s', (_name, program) => {
  test.each(VARIANT_MATRIX.map((v) => [v.name, v] as const))('%s', async (_variantName, variant) => {
    const [plain, instrumented] = await Promise.all([
      program.build(dir, variant, false),
      program.build(dir, variant, true),
    ]);
    // Coldpatched binaries go to their own directory under the same file names,
    // so a shared library is found by its soname.
    const patchedDir = path.join(dir, `${program.name}-${variant.name}-cold`);
    mkdirSync(patchedDir, { recursive: true });
    const coldpatched: Record<string, string> = {};
    for (const [role, binary] of Object.entries(instrumented.binaries)) {
      const out = path.join(patchedDir, path.basename(binary));
      const result = await iprobe(['coldpatch', binary, '-o', out, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as { status: string; tailJumps: number };
      expect(summary.status).toBe('coldpatched');
      // The build really has the shape the variant names (IBT PLT stubs, tail jumps at -O2).
      const sections = parseElf(readFileSync(binary)).sections.map((s) => s.name);
      if (variant.cet && !variant.noPlt) expect(sections).toContain('.plt.sec');
      if (program.name === 'recursion' && variant.optimize === 'O2') expect(summary.tailJumps).toBeGreaterThan(0);
      const list = readProbeList(`${out}.probes.json`);
      expectOnlySitesChanged(binary, out, list);
      expectWellFormedPlaceholders(list);
      await expectObjdumpAgrees(binary, out, list);
      coldpatched[role] = out;
    }
    const outputs = await Promise.all(
      [plain, instrumented, { ...instrumented, binaries: coldpatched }].map((p) => {
        const c = p.command(p.binaries);
        return runProgram(c.file, c.args, { env: c.env });
      }),
    );
    for (const o of outputs) expect(o.code).toBe(0);
    expect(outputs[1]!.stdout).toBe(outputs[0]!.stdout);
    expect(outputs[2]!.stdout).toBe(outputs[0]!.stdout);
    expect(outputs[0]!.stdout.length).toBeGreaterThan(0);
  });
});
