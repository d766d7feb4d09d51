/**
 * Damaged input to `iprobe coldpatch`: thousands of seeded mutations of small
 * -finstrument-functions builds (C and C++, PIE and not, -O0 and -O2, a
 * shared library, probe points and patchable entries) go through the same
 * coldpatch() the CLI calls, in process. Each either succeeds or is refused
 * with a UserError of one line — never another exception, never a hang, the
 * input untouched and nothing left beside it. A few refusals then go through
 * the real CLI: one line on stderr, an exit code that is neither 0 nor the
 * internal-error 70.
 *
 * IPROBE_MUTATION_SEED picks the run's seed (a failure prints it with the
 * case and its changes); IPROBE_MUTATIONS the number of cases per build.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { coldpatch } from '../../src/coldpatch/coldpatch.js';
import { UserError } from '../../src/util/user-error.js';
import { compile, VARIANT_MATRIX, variantFlags, type BuildVariant } from '../support/compile.js';
import { caseSeed, mutate, regionsOf, Rng, type MutatedBinary, type Region } from '../support/elf-mutations.js';
import { startHangWatchdog, type HangWatchdog } from '../support/hang-watchdog.js';
import { iprobe } from '../support/iprobe-cli.js';
import { fixture } from '../support/paths.js';
import { useTempDir } from '../support/temp-dir.js';

const RUN_SEED = Number(process.env.IPROBE_MUTATION_SEED ?? 0x1b0be) >>> 0;
const CASES_PER_BUILD = Number(process.env.IPROBE_MUTATIONS ?? 700);
/** One case is a few milliseconds; a second is already a pathology. */
const CASE_LIMIT_MS = 2_000;
const HANG_LIMIT_MS = 15_000;
const INTERNAL_ERROR_EXIT = 70;

const dir = useTempDir('mutation');
/**
 * Where the cases run: in memory when the machine has /dev/shm, since every
 * successful coldpatch fsyncs two files.
 */
const workRoot = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/iprobe-mutation-') : dir;
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));

interface Build {
  name: string;
  /** Fixture paths, or the C++ source below. */
  sources: string[];
  variant: BuildVariant;
  cxx?: boolean;
  shared?: boolean;
  extraFlags?: string[];
}

/**
 * A small C++ program: virtual calls, a template, constructors and
 * destructors, an exception through instrumented frames, a static
 * initializer. (fixtures/coldpatch/features.cpp pulls in std::map and
 * std::string, twenty times the code: too slow to coldpatch thousands of times.)
 */
const SMALL_CXX = `#include <cstdio>
#include <stdexcept>
struct Shape {
  virtual ~Shape() {}
  virtual int area() const = 0;
};
struct Rect : Shape {
  int w, h;
  Rect(int w_, int h_) : w(w_), h(h_) {}
  int area() const override { return w * h; }
};
template <typename T> T twice(T v) { return v + v; }
static int checked(int v) {
  if (v < 0) throw std::runtime_error("negative");
  return v;
}
struct Registry {
  int entries;
  Registry() : entries(twice(2)) {}
};
static Registry registry;
int main(int argc, char**) {
  Rect r(2, 3);
  Shape* s = &r;
  int errors = 0;
  try {
    checked(-argc);
  } catch (const std::exception&) {
    errors++;
  }
  std::printf("%d %.1f %d %d\\n", s->area(), twice(1.5), errors, registry.entries);
  return 0;
}
`;

const byName = (name: string) => VARIANT_MATRIX.find((v) => v.name === name)!;
const BUILDS: readonly Build[] = [
  { name: 'c-pie-O0', sources: ['coldpatch/recursion.c'], variant: byName('O0-pie-lazy-plt-nocet') },
  { name: 'c-nopie-O2-noplt', sources: ['coldpatch/recursion.c'], variant: byName('O2-nopie-lazy-noplt-nocet') },
  { name: 'cxx-pie-O2-ibt', sources: [], variant: byName('O2-pie-now-plt-cet'), cxx: true },
  { name: 'cxx-nopie-O0-noplt', sources: [], variant: byName('O0-nopie-now-noplt-cet'), cxx: true },
  { name: 'shared-lib-O2', sources: ['shared-lib/geometry.c'], variant: byName('O2-nopie-lazy-plt-cet'), shared: true },
  {
    name: 'points-patchable-O2',
    sources: ['points/points.c'],
    variant: byName('O2-pie-now-noplt-nocet'),
    extraFlags: ['-fpatchable-function-entry=5'],
  },
];

interface Seed {
  bytes: Buffer;
  regions: Region[];
}
const seeds = new Map<string, Seed>();

beforeAll(async () => {
  const smallCxx = path.join(dir, 'small.cpp');
  writeFileSync(smallCxx, SMALL_CXX);
  await Promise.all(
    BUILDS.map(async (b) => {
      const flags = variantFlags(b.variant, true);
      // A shared library is -fPIC -shared: drop the executable's PIE choice.
      const keep = (f: string) => !b.shared || !['-fno-pie', '-fPIE', '-pie', '-no-pie'].includes(f);
      const output = await compile({
        sources: b.cxx ? [smallCxx] : b.sources.map((s) => fixture(s)),
        output: path.join(dir, `${b.name}${b.shared ? '.so' : ''}`),
        flags: [...flags.compile, ...flags.link, ...(b.extraFlags ?? [])].filter(keep),
        cxx: b.cxx,
        shared: b.shared,
      });
      const bytes = readFileSync(output);
      seeds.set(b.name, { bytes, regions: regionsOf(bytes) });
    }),
  );
});

let watchdog: HangWatchdog;
beforeAll(() => {
  watchdog = startHangWatchdog(HANG_LIMIT_MS);
});
afterAll(() => watchdog.stop());

type Outcome = { kind: 'coldpatched' | 'nothing to do' } | { kind: 'refused'; error: UserError } | { kind: 'bug'; error: unknown };

/** Runs coldpatch on `bytes` written to `workDir/input`, then clears the outputs. */
async function coldpatchBytes(workDir: string, bytes: Buffer): Promise<Outcome> {
  const input = path.join(workDir, 'input');
  writeFileSync(input, bytes);
  try {
    const summary = await coldpatch({ input });
    return { kind: summary.status === 'coldpatched' ? 'coldpatched' : 'nothing to do' };
  } catch (error) {
    return error instanceof UserError ? { kind: 'refused', error } : { kind: 'bug', error };
  }
}

/** The first frame of our own code in a stack, e.g. "planSites (src/coldpatch/site-planner.ts:98)". */
function ownFrame(error: unknown): string {
  const stack = (error as Error)?.stack ?? '';
  const line = stack.split('\n').find((l) => l.includes('/src/')) ?? stack.split('\n')[1] ?? '';
  return line.trim().replace(/^at /, '').replace(/\(?\S*\/(src\/[^:]+:\d+):\d+\)?/, '($1)');
}

/** What makes a case fail, named so that cases with one cause share a name. */
function problemsOf(outcome: Outcome, leftovers: string[], inputChanged: boolean, ms: number): string[] {
  const problems: string[] = [];
  if (outcome.kind === 'bug') {
    const e = outcome.error as NodeJS.ErrnoException;
    problems.push(`${e?.name ?? typeof e}${e?.code ? ` [${e.code}]` : ''} at ${ownFrame(e)}`);
  }
  if (outcome.kind === 'refused') {
    const { message, hint, exitCode } = outcome.error;
    if (/[\r\n]/.test(message + (hint ?? '')) || message.trim() === '') problems.push('refusal is not one line');
    if (exitCode === 0 || exitCode === INTERNAL_ERROR_EXIT) problems.push(`refusal exits with ${exitCode}`);
  }
  if (outcome.kind !== 'coldpatched' && leftovers.length > 0) problems.push(`files left behind: ${leftovers.join(' ')}`);
  if (inputChanged) problems.push('input modified');
  if (ms > CASE_LIMIT_MS) problems.push(`slower than ${CASE_LIMIT_MS} ms`);
  return problems;
}

describe.each(BUILDS.map((b) => [b.name] as const))('%s', (buildName) => {
  test(`${CASES_PER_BUILD} mutations: coldpatched or refused in one line`, async () => {
    const seed = seeds.get(buildName)!;
    const workDir = path.join(workRoot, buildName);
    mkdirSync(workDir, { recursive: true });
    const buildIndex = BUILDS.findIndex((b) => b.name === buildName);
    const counts = { coldpatched: 0, 'nothing to do': 0, refused: 0, bug: 0 };
    const failures = new Map<string, { count: number; example: string }>();
    try {
      for (let i = 0; i < CASES_PER_BUILD; i++) {
        const seedOfCase = caseSeed(RUN_SEED, buildIndex, i);
        const mutated = mutate(seed.bytes, seed.regions, new Rng(seedOfCase));
        const where = `seed ${hexSeed(RUN_SEED)} ${buildName} case ${i}: ${mutated.changes.join('; ') || 'no change'}`;
        watchdog.started(where);
        const started = performance.now();
        const outcome = await coldpatchBytes(workDir, mutated.bytes);
        const ms = performance.now() - started;
        counts[outcome.kind]++;
        const files = readdirSync(workDir).filter((f) => f !== 'input');
        const inputChanged = !readFileSync(path.join(workDir, 'input')).equals(mutated.bytes);
        for (const problem of problemsOf(outcome, files, inputChanged, ms)) {
          const seen = failures.get(problem);
          if (seen) seen.count++;
          else failures.set(problem, { count: 1, example: `${where}${outcome.kind === 'bug' ? `\n      ${String(outcome.error)}` : ''}` });
        }
        for (const f of files) rmSync(path.join(workDir, f), { force: true });
      }
    } finally {
      watchdog.idle();
    }
    const report = [...failures].map(([problem, { count, example }]) => `${problem} — ${count} case(s), e.g.\n    ${example}`);
    expect(report, `IPROBE_MUTATION_SEED=${hexSeed(RUN_SEED)}; outcomes ${JSON.stringify(counts)}`).toEqual([]);
    // The mutations must reach past the header checks into the planner, not just bounce off.
    expect(counts.coldpatched).toBeGreaterThan(CASES_PER_BUILD / 10);
    expect(counts.refused).toBeGreaterThan(CASES_PER_BUILD / 10);
  });
});

const hexSeed = (n: number) => `0x${n.toString(16)}`;

describe('through the CLI', () => {
  test('refusals are one line on stderr, exit neither 0 nor 70, nothing written', async () => {
    // Different refusals from several builds: the first few distinct messages.
    const examples: { build: string; mutated: MutatedBinary; line: string }[] = [];
    const messages = new Set<string>();
    const probeDir = path.join(workRoot, 'cli-probe');
    mkdirSync(probeDir, { recursive: true });
    for (const [buildIndex, build] of BUILDS.entries()) {
      const seed = seeds.get(build.name)!;
      let found = 0;
      for (let i = 0; found < 2 && i < 200; i++) {
        const mutated = mutate(seed.bytes, seed.regions, new Rng(caseSeed(RUN_SEED ^ 0xc11, buildIndex, i)));
        watchdog.started(`CLI examples: ${build.name}: ${mutated.changes.join('; ')}`);
        const outcome = await coldpatchBytes(probeDir, mutated.bytes);
        for (const f of readdirSync(probeDir)) if (f !== 'input') rmSync(path.join(probeDir, f), { force: true });
        if (outcome.kind !== 'refused' || messages.has(outcome.error.message)) continue;
        messages.add(outcome.error.message);
        const { message, hint } = outcome.error;
        examples.push({ build: build.name, mutated, line: `iprobe: ${message}${hint ? ` (${hint})` : ''}` });
        found++;
      }
    }
    watchdog.idle();
    expect(examples.length).toBeGreaterThanOrEqual(BUILDS.length);
    for (const [n, example] of examples.entries()) {
      const caseDir = path.join(dir, `cli-${n}`);
      mkdirSync(caseDir, { recursive: true });
      const input = path.join(caseDir, example.build);
      writeFileSync(input, example.mutated.bytes);
      const r = await iprobe(['coldpatch', input]);
      const context = `${example.build}: ${example.mutated.changes.join('; ')}`;
      expect(r.code, context).not.toBe(0);
      expect(r.code, context).not.toBe(INTERNAL_ERROR_EXIT);
      expect(r.stdout, context).toBe('');
      // The message names the file only through the path it was given, which is the same here.
      expect(r.stderr.trimEnd().split('\n'), context).toEqual([example.line.replaceAll(path.join(probeDir, 'input'), input)]);
      expect(readdirSync(caseDir), context).toEqual([example.build]);
      expect(readFileSync(input).equals(example.mutated.bytes), context).toBe(true);
    }
  });
});
