/**
 * The config file iprobe-spec gives runcpu/runspec. It includes the user's own
 * working config (compilers, portability flags) and adds one section per
 * variant label. The coldpatch happens in build_post_bench, which the tools
 * run in the build directory after make and before they copy the executable
 * to exe/ and record its checksum (harness benchmark.pm, both versions), so
 * the recorded checksum is the coldpatched file's and verify_binaries
 * (CPU2017) / check_md5 (CPU2006) can stay at their default, yes.
 */
import { UserError } from '../util/user-error.js';
import { VERSION_NAMES, type SpecVersion } from './spec-benchmarks.js';
import { INSTRUMENT_FLAG, VARIANTS } from './spec-variants.js';

/** First line of every config iprobe-spec writes; it only overwrites files that start with it. */
export const CONFIG_MARKER = '# iprobe-spec config';

export const DEFAULT_BASE_CONFIG: Record<SpecVersion, string> = {
  cpu2017: 'Example-gcc-linux-x86.cfg',
  cpu2006: 'Example-linux64-amd64-gcc43+.cfg',
};

export interface SpecConfigOptions {
  version: SpecVersion;
  /** The user's config, relative to $SPEC/config (or absolute). */
  baseConfig: string;
  /** The build_post_bench command: node and the hook script, absolute paths. */
  hookArgv: readonly string[];
  toolVersion: string;
}

export function generateSpecConfig(o: SpecConfigOptions): string {
  const [plain, instr, cold] = VARIANTS;
  const tag = o.version === 'cpu2017' ? 'label' : 'extension';
  const runner = o.version === 'cpu2017' ? 'runcpu --label' : 'runspec --extension';
  const verifyOption = o.version === 'cpu2017' ? 'verify_binaries' : 'check_md5';
  const flags = [`   EXTRA_COPTIMIZE   = ${INSTRUMENT_FLAG}`, `   EXTRA_CXXOPTIMIZE = ${INSTRUMENT_FLAG}`];
  return [
    `${CONFIG_MARKER} for ${VERSION_NAMES[o.version]}, written by iprobe ${o.toolVersion}.`,
    '# Measures what -finstrument-functions costs, and what is left after iprobe coldpatch.',
    '# Regenerate it with spec-cpu-scripts/iprobe-spec rather than editing it.',
    '#',
    `# One ${tag} per variant (${runner}=NAME):`,
    `#   ${plain.label}  the base config below, unchanged`,
    `#   ${instr.label}  + ${INSTRUMENT_FLAG}; the hooks are called (glibc's empty __cyg_profile_func_enter/exit)`,
    `#   ${cold.label}   + ${INSTRUMENT_FLAG}, then build_post_bench coldpatches every executable of the`,
    '#                 build directory: each hook call becomes a NOP of the same length. The original is kept',
    '#                 as <exe>.instrumented, the probe list as <exe>.probes.json (build dir) and',
    '#                 <exe>_<tune>.<label>.probes.json (exe dir, next to the copy the runs use).',
    '#',
    `# build_post_bench runs before the tools checksum the executable, so keep ${verifyOption} at its`,
    '# default (yes). Monitoring hooks are not allowed in reportable runs: run with --noreportable.',
    '',
    `include: ${o.baseConfig}`,
    '',
    // The tools stop on a label that defines no settings (unless allow_label_override, allow_extension_override in
    // CPU2006), so each section sets IPROBE_VARIANT, a make variable of our own that no compile line uses.
    `default=default=${plain.label}:`,
    `   IPROBE_VARIANT    = ${plain.key}`,
    '',
    `default=default=${instr.label}:`,
    `   IPROBE_VARIANT    = ${instr.key}`,
    ...flags,
    '',
    `default=default=${cold.label}:`,
    `   IPROBE_VARIANT    = ${cold.key}`,
    ...flags,
    `   build_post_bench  = ${o.hookArgv.map(configWord).join(' ')}`,
    '',
  ].join('\n');
}

/**
 * A word of a shell command inside a SPEC config: the tools leave quotes alone
 * (config.html, "Quoting") but substitute $VARIABLES and treat # as a comment.
 */
function configWord(word: string): string {
  if (/[$#'"`\\\n]/.test(word)) {
    throw new UserError(
      `cannot put ${word} in a SPEC config: the tools would interpret its $, #, quote or backslash`,
      'install iprobe (and node) under a plain path',
    );
  }
  return /^[\w./+@%,:=-]+$/.test(word) ? word : `'${word}'`;
}
