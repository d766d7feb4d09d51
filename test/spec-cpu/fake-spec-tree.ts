/**
 * A stand-in SPEC CPU installation for driving iprobe-spec end to end: shrc,
 * a base config, and a bin/runcpu (or bin/runspec) script that logs its
 * arguments and does what the real tools do with the parts iprobe-spec relies
 * on: it refuses a label that defines no settings; --action=build compiles each benchmark in
 * benchspec/CPU/<bench>/build/build_<tune>_<label>.0000 with the label
 * section's EXTRA_COPTIMIZE, runs that section's build_post_bench there, then
 * copies the executable to exe/<exe>_<tune>.<label>; --action=run refuses
 * missing executables and writes the given raw result file as
 * result/CPU2017.NNN.*.rsf, NNN counting every invocation like the log files.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SpecVersion } from '../../src/spec-cpu/spec-benchmarks.js';

export interface FakeSpecTree {
  root: string;
  /** One line per runner invocation: its arguments. */
  callLog: string;
}

const BENCH_SOURCE = `#include <stdio.h>
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(void) { printf("%d\\n", fib(20)); return 0; }
`;

export function makeFakeSpecTree(
  root: string,
  options: { version?: SpecVersion; baseConfig?: string; resultsByLabel?: Record<string, string> } = {},
): FakeSpecTree {
  const version = options.version ?? 'cpu2017';
  const runner = version === 'cpu2017' ? 'runcpu' : 'runspec';
  const benchspec = version === 'cpu2017' ? 'benchspec/CPU' : 'benchspec/CPU2006';
  const callLog = path.join(root, 'runner-calls.log');
  for (const dir of ['bin', 'config', 'src', 'result']) mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, 'shrc'), 'SPEC=$(pwd); export SPEC\nPATH="$SPEC/bin:$PATH"; export PATH\n');
  writeFileSync(path.join(root, 'config', options.baseConfig ?? 'Example-gcc-linux-x86.cfg'), 'default:\n   CC = gcc\n');
  writeFileSync(path.join(root, 'src', 'bench.c'), BENCH_SOURCE);
  const fixtures = Object.entries(options.resultsByLabel ?? {})
    .map(([label, file]) => `  ${label}) fixture='${file}' ;;`)
    .join('\n');
  const script = `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >> '${callLog}'
config= label= action= tune=base benches=()
for arg in "$@"; do
  case $arg in
    --config=*) config=\${arg#*=} ;;
    --label=*|--extension=*) label=\${arg#*=} ;;
    --action=*) action=\${arg#*=} ;;
    --tune=*) tune=\${arg#*=} ;;
    --*) ;;
    *) benches+=("$arg") ;;
  esac
done
n=$(printf '%03d' $(( $(ls "$SPEC/result" | grep -c '\\.log$' || true) + 1 )))
echo "log of run $n" > "$SPEC/result/CPU2017.$n.log"
cfg="$SPEC/config/$config.cfg"
[[ -n $(awk -v sec="default=default=$label:" '/^[^ #].*:[ ]*$/ { insec = ($0 == sec); next } insec && /^[ \t]+[A-Za-z_]+ *=/' "$cfg") ]] ||
  { echo "ERROR: The label '$label' defines no settings in the config file!" >&2; exit 1; }
include=$(sed -n 's/^include: *//p' "$cfg")
[[ -f "$SPEC/config/$include" ]] || { echo "${runner}: cannot include $include" >&2; exit 1; }
section_value() {
  awk -v sec="default=default=$label:" -v key="$1" '
    /^[^ #].*:[ ]*$/ { insec = ($0 == sec); next }
    insec { line = $0; sub(/^[ \\t]+/, "", line); if (index(line, key " ") == 1) { sub(/^[^=]*=[ \\t]*/, "", line); print line; exit } }
  ' "$cfg"
}
case $action in
  build)
    flags=$(section_value EXTRA_COPTIMIZE)
    hook=$(section_value build_post_bench)
    for bench in "\${benches[@]}"; do
      top="$SPEC/${benchspec}/$bench"; build="$top/build/build_\${tune}_$label.0000"; exe=\${bench#*.}
      rm -rf "$build"; mkdir -p "$build" "$top/exe"
      rm -f "$top/exe/\${exe}_$tune.$label"
      gcc -O2 $flags -o "$build/$exe" "$SPEC/src/bench.c"
      if [[ -n $hook ]]; then
        (cd "$build" && sh -c "$hook" > build_post_bench.out 2> build_post_bench.err) || { echo "build_post_bench returned non-zero exit code" >&2; exit 1; }
      fi
      cp "$build/$exe" "$top/exe/\${exe}_$tune.$label"
    done ;;
  run)
    for bench in "\${benches[@]}"; do
      ls "$SPEC/${benchspec}/$bench/exe/"*_"$tune.$label" > /dev/null 2>&1 || { echo "${runner}: no executable for $bench, and --nobuild" >&2; exit 1; }
    done
    fixture=
    case $label in
${fixtures}
    esac
    [[ -n $fixture ]] && cp "$fixture" "$SPEC/result/CPU2017.$n.intrate.refrate.rsf" ;;
  *) echo "${runner}: unexpected action $action" >&2; exit 1 ;;
esac
`;
  writeFileSync(path.join(root, 'bin', runner), script);
  chmodSync(path.join(root, 'bin', runner), 0o755);
  return { root, callLog };
}
