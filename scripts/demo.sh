#!/usr/bin/env bash
# The quick start: build a fixture with -finstrument-functions, coldpatch it,
# run the plain, instrumented and coldpatched builds side by side, show the
# probe list, then switch probes on and off in the running coldpatched binary.
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

step "run all three (same output; the coldpatched build runs close to the plain one)"
TIMEFORMAT='%R s'
for variant in primes.plain primes primes.coldpatched; do
  printf '%-22s' "$variant"
  { time "$work/$variant" 300000 | tr '\n' ' '; } 2>&1 | tr -s ' \n' ' '
  echo
done

step "iprobe probes $work/primes.coldpatched"
iprobe probes "$work/primes.coldpatched"

step "hotpatch the coldpatched binary while it runs (started plainly: iprobe hot injects its runtime)"
"$work/primes.coldpatched" 200000 8 > "$work/run.out" &
pid=$!
sleep 0.2
echo "\$ iprobe hot $pid --fn is_prime fib"
iprobe hot "$pid" --fn is_prime fib
sleep 1
echo "\$ iprobe report $pid"
iprobe report "$pid"
echo "\$ iprobe trace $pid --fn count_primes fib --duration 500ms -o $work/trace.json"
iprobe trace "$pid" --fn count_primes fib --duration 500ms -o "$work/trace.json"
echo "\$ iprobe hot $pid --all --off --detach-runtime"
iprobe hot "$pid" --all --off --detach-runtime
wait
echo
echo "files are in $work (open trace.json in https://ui.perfetto.dev)"
