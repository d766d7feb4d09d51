/**
 * ColdPatch: instrumented ELF in, NOP-placeholder ELF + probe list out.
 * The input is never modified; both outputs appear atomically or not at all.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileOffsetOf, linkBase } from '../elf/address-space.js';
import { ET_DYN } from '../elf/elf-constants.js';
import { parseElf, type ElfFile } from '../elf/elf-file.js';
import { readDynamicInfo } from '../elf/dynamic-section.js';
import { readRelocations } from '../elf/relocations.js';
import { dynamicSymbols, staticSymbols } from '../elf/symbol-table.js';
import { sourceLines } from '../native/debug-info.js';
import { identifyBinary } from '../probelist/binary-identity.js';
import { PROBE_LIST_VERSION, probeListPathFor, type ProbeList, type ProbeSite } from '../probelist/probe-list.js';
import { serializeProbeList } from '../probelist/probe-list-json.js';
import { stageFile } from '../util/atomic-write.js';
import { NameMatcher } from '../util/name-glob.js';
import { packageVersion } from '../util/package-version.js';
import { UserError } from '../util/user-error.js';
import { checkColdpatchPaths, readInputBinary } from './coldpatch-paths.js';
import { FunctionIndex } from './function-index.js';
import { findHookBranches, type SweepProgress, type SweepStats } from './hook-branches.js';
import { findHookTargets } from './hook-targets.js';
import { findProbePoints } from './iprobe-points.js';
import { findPatchableEntries } from './patchable-entries.js';
import { planSites, type SkippedSite } from './site-planner.js';
import { findExistingProbeList } from './existing-probe-list.js';

const run = promisify(execFile);

export interface ColdpatchOptions {
  input: string;
  output?: string;
  probes?: string;
  strip?: boolean;
  only?: readonly string[];
  onProgress?: SweepProgress;
}

export interface ColdpatchSummary {
  status: 'coldpatched' | 'already-coldpatched';
  input: string;
  output?: string;
  probes?: string;
  sites: Record<ProbeSite['kind'], number>;
  tailJumps: number;
  functions: number;
  bytesChanged: number;
  skipped: SkippedSite[];
  notSelected: number;
  sweep?: SweepStats;
  seconds: number;
  message?: string;
}

export function defaultOutputPath(input: string): string {
  return `${input}.coldpatched`;
}

export async function coldpatch(options: ColdpatchOptions): Promise<ColdpatchSummary> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const input = options.input;
  const output = options.output ?? defaultOutputPath(input);
  const probesPath = options.probes ?? probeListPathFor(output);
  const { bytes, mode } = await readInputBinary(input);
  await checkColdpatchPaths(input, output, probesPath);
  const elf = parseElf(bytes);

  const symbols = staticSymbols(elf);
  const dynsyms = dynamicSymbols(elf);
  const relocations = readRelocations(elf);
  const targets = findHookTargets(elf, [...symbols, ...dynsyms], relocations);
  const { branches, stats } = findHookBranches(elf, targets, options.onProgress);
  const patchableEntries = findPatchableEntries(elf, relocations);
  const points = findProbePoints(elf, relocations);
  const existing = await findExistingProbeList(input, bytes);

  const emptySummary = (message: string): ColdpatchSummary => ({
    status: 'already-coldpatched',
    input,
    sites: countByKind(existing?.list.sites ?? []),
    tailJumps: 0,
    functions: existing?.list.functions.length ?? 0,
    bytesChanged: 0,
    skipped: [],
    notSelected: 0,
    sweep: stats,
    seconds: seconds(),
    message,
  });
  if (branches.length === 0) {
    if (existing) return emptySummary(`already coldpatched: its probe list is ${existing.path}; nothing to do`);
    if (targets.referenced) {
      return emptySummary(
        'already coldpatched: it imports the -finstrument-functions hooks but never calls them; nothing to do',
      );
    }
    if (patchableEntries.length === 0 && !points) {
      throw new UserError(
        `no instrumentation found in ${input}: no calls to __cyg_profile_func_enter/exit`,
        'compile with -finstrument-functions, or use IPROBE_POINT / -fpatchable-function-entry',
      );
    }
  }

  const plan = planSites({
    elf,
    functions: new FunctionIndex(symbols.length > 0 ? symbols : dynsyms),
    branches,
    patchableEntries,
    points,
    only: options.only && options.only.length > 0 ? new NameMatcher(options.only) : undefined,
  });
  if (options.only?.length && plan.sites.length === 0 && !existing) {
    throw new UserError(`--only ${options.only.join(' ')} matches no instrumented function in ${input}`);
  }
  const patched = applyPlaceholders(elf, plan.sites);
  attachSourceLines(input, plan.functions, plan.sites);
  if (existing) mergeEarlierSites(plan, existing.list);

  const identity = identifyBinary(bytes, input);
  const dynamic = readDynamicInfo(elf);
  const outputStage = await stageFile(output, mode & 0o7777, async (temporary) => {
    await writeFile(temporary, patched.bytes);
    if (options.strip) await stripInPlace(temporary);
  });
  let probesStage;
  try {
    const finalBytes = await readFile(outputStage.temporaryPath);
    verifyPlaceholders(parseElf(finalBytes), plan.sites);
    const list: ProbeList = {
      version: PROBE_LIST_VERSION,
      tool: `iprobe ${packageVersion()}`,
      binary: {
        ...identifyBinary(finalBytes, output),
        elfType: elf.type === ET_DYN ? 'dyn' : 'exec',
        linkBase: linkBase(elf),
        pie: dynamic.pie || (elf.type === ET_DYN && dynamic.interpreter),
        bindNow: dynamic.bindNow,
        relro: dynamic.relro,
        stripped: options.strip === true || symbols.length === 0,
      },
      source: existing ? existing.list.source : identity,
      hooks: {
        entry: hookAddresses(targets, 'entry'),
        exit: hookAddresses(targets, 'exit'),
        ...(points ? { point: { slot: points.slot, slotDefault: points.slotDefault } } : {}),
      },
      functions: plan.functions,
      sites: plan.sites,
    };
    probesStage = await stageFile(probesPath, 0o644, (temporary) => writeFile(temporary, serializeProbeList(list)));
    await outputStage.commit();
    await probesStage.commit();
  } catch (err) {
    await outputStage.discard();
    await probesStage?.discard();
    throw err;
  }

  return {
    status: 'coldpatched',
    input,
    output,
    probes: probesPath,
    sites: countByKind(plan.sites),
    tailJumps: plan.sites.filter((s) => s.form.startsWith('tail-jump')).length,
    functions: plan.functions.length,
    bytesChanged: patched.bytesChanged,
    skipped: plan.skipped,
    notSelected: plan.notSelected,
    sweep: stats,
    seconds: seconds(),
  };
}

function countByKind(sites: readonly ProbeSite[]): Record<ProbeSite['kind'], number> {
  const counts = { entry: 0, exit: 0, point: 0, 'patchable-entry': 0 };
  for (const s of sites) counts[s.kind]++;
  return counts;
}

function hookAddresses(targets: ReturnType<typeof findHookTargets>, kind: 'entry' | 'exit') {
  const pick = (m: Map<number, string>) => [...m].filter(([, k]) => k === kind).map(([a]) => a).sort((a, b) => a - b);
  return { plt: pick(targets.code), got: pick(targets.memory) };
}

/** A copy of the input with every site's placeholder written; nothing else changes. */
function applyPlaceholders(elf: ElfFile, sites: readonly ProbeSite[]): { bytes: Buffer; bytesChanged: number } {
  const bytes = Buffer.from(elf.bytes);
  let bytesChanged = 0;
  for (const site of sites) {
    const offset = fileOffsetOf(elf, site.address, site.length);
    if (offset === undefined) throw new Error(`site 0x${site.address.toString(16)} is not backed by the file`);
    for (let i = 0; i < site.length; i++) if (bytes[offset + i] !== site.placeholder[i]) bytesChanged++;
    site.placeholder.copy(bytes, offset);
  }
  return { bytes, bytesChanged };
}

/** Re-reads the written output: every site must hold its placeholder. */
function verifyPlaceholders(output: ElfFile, sites: readonly ProbeSite[]): void {
  for (const site of sites) {
    const offset = fileOffsetOf(output, site.address, site.length);
    const actual = offset === undefined ? undefined : output.bytes.subarray(offset, offset + site.length);
    if (!actual || !actual.equals(site.placeholder)) {
      throw new Error(`output check failed at site 0x${site.address.toString(16)}`);
    }
  }
}

function attachSourceLines(elfPath: string, functions: ProbeList['functions'], sites: ProbeSite[]): void {
  const lines = sourceLines(elfPath, [...sites.map((s) => s.address), ...functions.map((f) => f.address)]);
  sites.forEach((s, i) => {
    const l = lines[i];
    if (l) Object.assign(s, l);
  });
  functions.forEach((f, i) => {
    const l = lines[sites.length + i];
    if (l) Object.assign(f, l);
  });
}

/** Keeps the sites an earlier `coldpatch --only` run already turned into placeholders. */
function mergeEarlierSites(plan: ReturnType<typeof planSites>, earlier: ProbeList): void {
  const known = new Set(plan.sites.map((s) => s.address));
  const slotByAddress = new Map(plan.functions.map((f, i) => [f.address, i]));
  for (const site of earlier.sites) {
    if (known.has(site.address)) continue;
    const fn = earlier.functions[site.function]!;
    let slot = slotByAddress.get(fn.address);
    if (slot === undefined) {
      slot = plan.functions.length;
      plan.functions.push(fn);
      slotByAddress.set(fn.address, slot);
    }
    plan.sites.push({ ...site, function: slot });
  }
  plan.sites.sort((a, b) => a.address - b.address);
}

async function stripInPlace(file: string): Promise<void> {
  try {
    await run('objcopy', ['--strip-all', file]);
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new UserError('--strip needs objcopy', 'install binutils');
    throw new UserError(`objcopy --strip-all failed: ${(e.stderr ?? '').trim()}`);
  }
}
