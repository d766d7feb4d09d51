/**
 * The only module that loads the native addon. Everything else imports the
 * typed functions below, never the raw binding.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface BranchScan {
  address: Float64Array;
  length: Uint8Array;
  /** 1 call rel, 2 jmp rel, 3 call *mem(%rip), 4 jmp *mem(%rip), 5 jcc rel */
  form: Uint8Array;
  target: Float64Array;
  /** %rdi before the branch (the instrumented function's address), NaN when unknown */
  firstArgument: Float64Array;
  instructions: number;
  undecodableBytes: number;
}

export type InstructionClass = 'call' | 'jmp' | 'jcc' | 'ret' | 'endbr64' | 'nop' | 'data' | 'other';

export interface DecodedInstruction {
  address: number;
  size: number;
  class: InstructionClass;
  text: string;
  target?: number;
  memoryTarget?: number;
}

interface RawAddon {
  findBranchesTo(code: Uint8Array, address: number, codeTargets: Float64Array, memoryTargets: Float64Array): BranchScan;
  decode(code: Uint8Array, address: number, maxCount: number): DecodedInstruction[];
  capstoneVersion(): string;
  sourceLines(path: string, addresses: Float64Array): { file: string[]; line: Int32Array };
  demangle(names: string[]): string[];
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const addonPath = path.join(projectRoot, 'build', 'Release', 'iprobe.node');

let loaded: RawAddon | undefined;

function addon(): RawAddon {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    try {
      loaded = require(addonPath) as RawAddon;
    } catch (err) {
      throw new Error(
        `cannot load the native addon ${addonPath}: ${(err as Error).message} (build it with: npm run build:native)`,
      );
    }
  }
  return loaded;
}

/** Linear-sweep decode of `code` (mapped at `address`), returning the branches that reach the targets. */
export function findBranchesTo(
  code: Uint8Array,
  address: number,
  codeTargets: readonly number[],
  memoryTargets: readonly number[],
): BranchScan {
  return addon().findBranchesTo(code, address, Float64Array.from(codeTargets), Float64Array.from(memoryTargets));
}

export function decodeInstructions(code: Uint8Array, address: number, maxCount: number): DecodedInstruction[] {
  return addon().decode(code, address, maxCount);
}

export function capstoneVersion(): string {
  return addon().capstoneVersion();
}

/** DWARF file/line for each link-time address of the ELF file at `file` ('' and 0 when unknown). */
export function sourceLines(file: string, addresses: readonly number[]): { file: string; line: number }[] {
  const raw = addon().sourceLines(file, Float64Array.from(addresses));
  return raw.file.map((f, i) => ({ file: f, line: raw.line[i] ?? 0 }));
}

export function demangle(names: readonly string[]): string[] {
  return addon().demangle([...names]);
}
