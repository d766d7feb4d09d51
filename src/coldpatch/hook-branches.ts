/** Linear sweep of the executable sections for branches that reach a hook. */
import type { ElfFile } from '../elf/elf-file.js';
import { checkSectionLoaded, isExecutableSection } from '../elf/address-space.js';
import { BranchForm, findBranchesTo } from '../native/x86-decoder.js';
import { isPltSection, type HookKind, type HookTargets } from './hook-targets.js';

export interface HookBranch {
  address: number;
  length: number;
  form: BranchForm;
  hook: HookKind;
  /** The instrumented function's address the hook receives in %rdi, when the decoder could tell. */
  firstArgument: number | undefined;
}

export interface SweepStats {
  instructions: number;
  bytes: number;
  undecodableBytes: number;
}

export type SweepProgress = (done: number, total: number, section: string) => void;

/** Sections above this size are swept in chunks so progress can be reported. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export function findHookBranches(
  elf: ElfFile,
  targets: HookTargets,
  onProgress?: SweepProgress,
): { branches: HookBranch[]; stats: SweepStats } {
  const sections = elf.sections.filter((s) => isExecutableSection(s) && !isPltSection(s.name));
  // Sites are found in section bytes and written through the segments.
  sections.forEach((s) => checkSectionLoaded(elf, s));
  const total = sections.reduce((n, s) => n + s.size, 0);
  const stats: SweepStats = { instructions: 0, bytes: 0, undecodableBytes: 0 };
  const branches: HookBranch[] = [];
  const codeTargets = [...targets.code.keys()];
  const memoryTargets = [...targets.memory.keys()];
  let swept = 0;
  for (const section of sections) {
    for (let start = 0; start < section.data.length; ) {
      // Each chunk stops at an instruction boundary, where the next one resumes.
      const scan = findBranchesTo(
        section.data.subarray(start),
        section.address + start,
        codeTargets,
        memoryTargets,
        CHUNK_BYTES,
      );
      for (let i = 0; i < scan.address.length; i++) {
        const form = scan.form[i] as BranchForm;
        const target = scan.target[i]!;
        const hook = form === BranchForm.CallMem || form === BranchForm.JmpMem ? targets.memory.get(target) : targets.code.get(target);
        if (!hook) continue;
        const firstArgument = scan.firstArgument[i]!;
        branches.push({
          address: scan.address[i]!,
          length: scan.length[i]!,
          form,
          hook,
          firstArgument: Number.isNaN(firstArgument) ? undefined : firstArgument,
        });
      }
      stats.instructions += scan.instructions;
      stats.undecodableBytes += scan.undecodableBytes;
      start += Math.max(1, scan.consumedBytes);
      onProgress?.(swept + start, total, section.name);
    }
    swept += section.data.length;
    stats.bytes += section.data.length;
  }
  return { branches, stats };
}
