/**
 * The placeholder kinds beyond plain hook calls, and owner recovery for a
 * stripped input from the address the compiler passes to the hook.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseElf } from '../../src/elf/elf-file.js';
import { fileOffsetOf } from '../../src/elf/address-space.js';
import { compile, VARIANT_MATRIX, variantFlags } from '../support/compile.js';
import { readProbeList } from '../support/coldpatch-checks.js';
import { iprobe, runProgram } from '../support/iprobe-cli.js';
import { fixture } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const dir = useTempDir('kinds');

describe('stripped input', () => {
  test.each(VARIANT_MATRIX.filter((v) => v.optimize === 'O2').map((v) => [v.name, v] as const))(
    'owners come from the first argument (%s)',
    async (_name, variant) => {
      const flags = variantFlags(variant, true);
      const unstripped = await compile({
        sources: [fixture('coldpatch/recursion.c')],
        output: path.join(dir, `rec-${variant.name}`),
        flags: [...flags.compile, ...flags.link],
      });
      const stripped = `${unstripped}.stripped`;
      copyFileSync(unstripped, stripped);
      execFileSync('strip', ['--strip-all', stripped]);
      for (const f of [unstripped, stripped]) expect((await iprobe(['coldpatch', f])).code).toBe(0);
      const named = readProbeList(`${unstripped}.coldpatched.probes.json`);
      const anonymous = readProbeList(`${stripped}.coldpatched.probes.json`);
      expect(anonymous.binary.stripped).toBe(true);
      expect(anonymous.sites.map((s) => s.address)).toEqual(named.sites.map((s) => s.address));
      // Same owner address per site, named fn_<hex> instead of its symbol.
      anonymous.sites.forEach((site, i) => {
        const owner = anonymous.functions[site.function]!;
        const expected = named.functions[named.sites[i]!.function]!;
        expect(owner.address).toBe(expected.address);
        expect(owner.name).toBe(`fn_${expected.address.toString(16)}`);
      });
    },
  );
});

describe('IPROBE_POINT', () => {
  test('points are recorded with their names, untouched in the output, and enable as jmp to their stub', async () => {
    const flags = variantFlags(VARIANT_MATRIX[4]!, true);
    const bin = await compile({ sources: [fixture('points/points.c')], output: path.join(dir, 'points'), flags: [...flags.compile, ...flags.link] });
    const r = await iprobe(['coldpatch', bin, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).sites.point).toBe(3);
    const list = readProbeList(`${bin}.coldpatched.probes.json`);
    const points = list.sites.filter((s) => s.kind === 'point');
    expect(points.map((p) => p.name).sort()).toEqual(['leaf_mixed', 'loop_iteration', 'main_started']);
    const elf = parseElf(readFileSync(`${bin}.coldpatched`));
    for (const p of points) {
      expect(p.placeholder.toString('hex')).toBe('0f1f440000');
      expect(p.original.equals(p.placeholder)).toBe(true);
      expect(p.enable![0]).toBe(0xe9);
      const stub = p.address + 5 + p.enable!.readInt32LE(1);
      // The stub starts with `lea -0x80(%rsp),%rsp`.
      const offset = fileOffsetOf(elf, stub, 5)!;
      expect(elf.bytes.subarray(offset, offset + 5).toString('hex')).toBe('488d642480');
    }
    expect(list.hooks.point).toBeDefined();
    const owners = points.map((p) => list.functions[p.function]!.name).sort();
    expect(owners).toEqual(['leaf_mix', 'main', 'run_points']);
  });

  test.each(VARIANT_MATRIX.map((v) => [v.name, v] as const))(
    'switched on the way iprobe does, a point calls the handler and preserves registers and the red zone (%s)',
    async (_name, variant) => {
      const flags = variantFlags(variant, false);
      const bin = await compile({
        sources: [fixture('points/self_enable.c')],
        output: path.join(dir, `self-enable-${variant.name}`),
        flags: [...flags.compile, ...flags.link],
      });
      const r = await runProgram(bin, []);
      expect(r.stdout).toMatch(/^ok hits=1001 points=2/);
      expect(r.code).toBe(0);
    },
  );
});

describe('-fpatchable-function-entry', () => {
  test('entries are recorded and left as the compiler made them', async () => {
    for (const pie of [true, false]) {
      const bin = await compile({
        sources: [fixture('patchable/patchable.c')],
        output: path.join(dir, `patchable-${pie}`),
        flags: ['-O2', '-g', '-fpatchable-function-entry=5', pie ? '-pie' : '-no-pie', pie ? '-fPIE' : '-fno-pie'],
      });
      const r = await iprobe(['coldpatch', bin, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).bytesChanged).toBe(0);
      const list = readProbeList(`${bin}.coldpatched.probes.json`);
      const names = list.sites.map((s) => list.functions[s.function]!.name);
      expect(names).toEqual(expect.arrayContaining(['twice', 'thrice', 'main']));
      for (const s of list.sites) {
        expect(s.kind).toBe('patchable-entry');
        expect(s.original.toString('hex')).toBe('9090909090');
        expect(s.enable).toBeNull();
      }
      expect(readFileSync(`${bin}.coldpatched`).equals(readFileSync(bin))).toBe(true);
    }
  });
});
