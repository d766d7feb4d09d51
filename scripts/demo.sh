#!/usr/bin/env bash
# The quick start: build a fixture with -finstrument-functions, coldpatch it,
# run the uninstrumented, instrumented and coldpatched builds side by side,
# and show the probe list.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh build
bash scripts/node-deps.sh

work=$(mktemp -d /tmp/iprobe-demo.XXXXXX)
iprobe() { node dist/cli/iprobe.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "compile fixtures/demo/primes.c: plain, and with -finstrument-functions"
gcc -O2 -g -o "$work/primes.plain" fixtures/demo/primes.c
gcc -O2 -g -finstrument-functions -o "$work/primes" fixtures/demo/primes.c
echo "built $work/primes.plain and $work/primes"

step "iprobe coldpatch $work/primes"
iprobe coldpatch "$work/primes"

step "run all three (same output, coldpatched at native speed)"
TIMEFORMAT='  %R s'
for variant in primes.plain primes primes.coldpatched; do
  printf '%-22s' "$variant"
  { time "$work/$variant" 300000 | tr '\n' ' '; } 2>&1 | tr -s ' \n' ' '
  echo
done

step "iprobe probes $work/primes.coldpatched"
iprobe probes "$work/primes.coldpatched"
echo
echo "files are in $work"
