/**
 * Turns what the scans found (hook branches, probe points, patchable entries)
 * into probe-list sites: owner function, placeholder bytes, enable bytes.
 */
import type { ElfFile } from '../elf/elf-file.js';
import { bytesAt, isExecutableSection, sectionAt } from '../elf/address-space.js';
import { ElfFormatError } from '../elf/elf-format-error.js';
import { printableName } from '../elf/string-table.js';
import { BranchForm } from '../native/x86-decoder.js';
import type { ProbeFunction, ProbeSite, SiteForm } from '../probelist/probe-list.js';
import type { NameMatcher } from '../util/name-glob.js';
import { anonymousFunction, type FunctionIndex, type FunctionSymbol } from './function-index.js';
import type { HookBranch } from './hook-branches.js';
import type { PatchableEntry } from './patchable-entries.js';
import type { ProbePoints } from './iprobe-points.js';
import { MAX_NOP_LENGTH, nopOfLength, returnPaddedTo } from './x86-placeholders.js';

export interface SkippedSite {
  address: number;
  reason: string;
}

export interface SitePlan {
  functions: ProbeFunction[];
  sites: ProbeSite[];
  /** Hook branches coldpatch leaves in place, with the reason. */
  skipped: SkippedSite[];
  /** Hook calls of functions --only did not select (they stay live). */
  notSelected: number;
}

const UNKNOWN_FUNCTION: FunctionSymbol = { name: '<unknown>', linkName: '', address: 0, size: 0 };

const FORM_NAMES: Partial<Record<BranchForm, SiteForm>> = {
  [BranchForm.CallRel]: 'call',
  [BranchForm.CallMem]: 'call-indirect',
  [BranchForm.JmpRel]: 'tail-jump',
  [BranchForm.JmpMem]: 'tail-jump-indirect',
};

export interface SitePlanInput {
  elf: ElfFile;
  functions: FunctionIndex;
  branches: readonly HookBranch[];
  patchableEntries: readonly PatchableEntry[];
  points: ProbePoints | undefined;
  only: NameMatcher | undefined;
}

export function planSites(input: SitePlanInput): SitePlan {
  const { elf, functions: index, only } = input;
  const plan: SitePlan = { functions: [], sites: [], skipped: [], notSelected: 0 };
  const functionSlots = new Map<number, number>();
  const slotOf = (f: FunctionSymbol): number => {
    let slot = functionSlots.get(f.address);
    if (slot === undefined) {
      slot = plan.functions.length;
      functionSlots.set(f.address, slot);
      plan.functions.push({ name: f.name, linkName: f.linkName, address: f.address, size: f.size });
    }
    return slot;
  };
  const selected = (f: FunctionSymbol) => !only || only.matches(f.name, f.linkName);

  for (const branch of input.branches) {
    const form = FORM_NAMES[branch.form];
    if (!form) {
      plan.skipped.push({ address: branch.address, reason: 'conditional jump to the hook (no same-length equivalent)' });
      continue;
    }
    if (branch.length > MAX_NOP_LENGTH) {
      plan.skipped.push({ address: branch.address, reason: `${branch.length}-byte branch is longer than any single NOP` });
      continue;
    }
    const owner = ownerOfBranch(elf, index, branch);
    if (!selected(owner)) {
      plan.notSelected++;
      continue;
    }
    const original = siteBytes(elf, branch.address, branch.length, `${branch.hook} hook ${form}`);
    plan.sites.push({
      address: branch.address,
      length: branch.length,
      kind: branch.hook,
      form,
      function: slotOf(owner),
      original,
      placeholder: form.startsWith('tail-jump') ? returnPaddedTo(branch.length) : nopOfLength(branch.length),
      enable: original,
    });
  }

  for (const point of input.points?.points ?? []) {
    const owner = index.containing(point.address) ?? UNKNOWN_FUNCTION;
    if (!selected(owner)) continue;
    plan.sites.push({
      address: point.address,
      length: point.placeholder.length,
      kind: 'point',
      form: 'nop',
      function: slotOf(owner),
      original: siteBytes(elf, point.address, point.placeholder.length, `probe point "${printableName(point.name)}"`),
      placeholder: point.placeholder,
      enable: point.enable,
      name: point.name,
    });
  }

  for (const entry of input.patchableEntries) {
    const owner = index.containing(entry.address) ?? anonymousFunction(entry.address);
    if (!selected(owner)) continue;
    plan.sites.push({
      address: entry.address,
      length: entry.bytes.length,
      kind: 'patchable-entry',
      form: 'nop',
      function: slotOf(owner),
      original: entry.bytes,
      placeholder: entry.bytes,
      // Switching these on needs a trampoline iprobe does not generate yet.
      enable: null,
    });
  }

  plan.sites.sort((a, b) => a.address - b.address);
  checkNoOverlap(plan.sites);
  return plan;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** A copy of the `length` file bytes at a site; a site the file does not hold is a damaged file. */
function siteBytes(elf: ElfFile, address: number, length: number, what: string): Buffer {
  const bytes = bytesAt(elf, address, length);
  if (!bytes) throw new ElfFormatError(`${what} at ${hex(address)} lies outside the loadable segments`);
  return Buffer.from(bytes);
}

/**
 * Two sites that share a byte but want different placeholders there would
 * overwrite each other; only a damaged file has them. (Sharing agreeing bytes
 * is harmless: a point's NOP can end a patchable entry's run of NOPs.)
 */
function checkNoOverlap(sites: readonly ProbeSite[]): void {
  const longest = sites.reduce((n, s) => Math.max(n, s.length), 0);
  for (let i = 1; i < sites.length; i++) {
    const site = sites[i]!;
    for (let j = i - 1; j >= 0 && sites[j]!.address + longest > site.address; j--) {
      const earlier = sites[j]!;
      const end = Math.min(earlier.address + earlier.length, site.address + site.length);
      for (let address = site.address; address < end; address++) {
        if (earlier.placeholder[address - earlier.address] !== site.placeholder[address - site.address]) {
          throw new ElfFormatError(
            `${earlier.kind} site ${hex(earlier.address)} (${earlier.length} bytes) overlaps ${site.kind} site ${hex(site.address)}`,
          );
        }
      }
    }
  }
}

/**
 * The instrumented function a hook call belongs to. The compiler passes that
 * function's own address as the first argument, which also names inlined
 * functions correctly; the enclosing symbol is the fallback.
 */
function ownerOfBranch(elf: ElfFile, index: FunctionIndex, branch: HookBranch): FunctionSymbol {
  const passed = branch.firstArgument;
  if (passed !== undefined) {
    const named = index.startingAt(passed);
    if (named) return named;
    const section = sectionAt(elf, passed);
    if (index.isEmpty && section && isExecutableSection(section)) return anonymousFunction(passed);
  }
  return index.containing(branch.address) ?? UNKNOWN_FUNCTION;
}
