/** Assertions every coldpatched fixture must pass, whatever its build flags. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseElf } from '../../src/elf/elf-file.js';
import { fileOffsetOf } from '../../src/elf/address-space.js';
import type { ProbeList } from '../../src/probelist/probe-list.js';
import { parseProbeList } from '../../src/probelist/probe-list-json.js';
import { objdumpHookBranches } from './objdump.js';

export function readProbeList(file: string): ProbeList {
  return parseProbeList(readFileSync(file, 'utf8'), file);
}

/** Every differing byte lies inside a site, and each site holds exactly its placeholder. */
export function expectOnlySitesChanged(inputPath: string, outputPath: string, list: ProbeList): void {
  const input = readFileSync(inputPath);
  const output = readFileSync(outputPath);
  expect(output.length).toBe(input.length);
  const elf = parseElf(input);
  const allowed = new Set<number>();
  for (const site of list.sites) {
    const offset = fileOffsetOf(elf, site.address, site.length);
    expect(offset, `site 0x${site.address.toString(16)} is file-backed`).toBeDefined();
    expect(input.subarray(offset!, offset! + site.length).equals(site.original)).toBe(true);
    expect(output.subarray(offset!, offset! + site.length).equals(site.placeholder)).toBe(true);
    for (let i = 0; i < site.length; i++) allowed.add(offset! + i);
  }
  const stray: number[] = [];
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== output[i] && !allowed.has(i)) stray.push(i);
  }
  expect(stray, 'bytes changed outside the sites').toEqual([]);
}

/** The hook branches objdump sees in the input are exactly the entry/exit sites; none remain in the output. */
export async function expectObjdumpAgrees(inputPath: string, outputPath: string, list: ProbeList): Promise<void> {
  const before = await objdumpHookBranches(inputPath);
  const hookSites = list.sites.filter((s) => s.kind === 'entry' || s.kind === 'exit').map((s) => s.address);
  expect(hookSites.sort((a, b) => a - b)).toEqual(before.map((b) => b.address).sort((a, b) => a - b));
  expect(await objdumpHookBranches(outputPath)).toEqual([]);
}

/** Placeholders are one instruction (or ret + one NOP for tail jumps) of the site's length. */
export function expectWellFormedPlaceholders(list: ProbeList): void {
  for (const site of list.sites) {
    expect(site.placeholder.length).toBe(site.length);
    if (site.form === 'tail-jump' || site.form === 'tail-jump-indirect') expect(site.placeholder[0]).toBe(0xc3);
    if (site.kind === 'entry' || site.kind === 'exit') {
      expect(site.enable?.equals(site.original)).toBe(true);
      expect(list.functions[site.function]!.name).not.toBe('<unknown>');
    }
  }
}
