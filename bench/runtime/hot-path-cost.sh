#!/usr/bin/env bash
# Probes-on cost per event of the runtime: an empty function called 10^7
# times, uninstrumented vs -finstrument-functions with the runtime preloaded
# in each mode. An event is one hook call (a call makes two: entry and exit).
# Usage: bench/runtime/hot-path-cost.sh [calls] [passes]
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-10000000}
passes=${2:-5}
runtime=build/Release/libiprobe_runtime.so
[[ -f $runtime ]] || { echo "hot-path-cost: build the runtime first (npm run build:native)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/plain" bench/runtime/empty_loop.c
gcc -O2 -finstrument-functions -o "$work/instrumented" bench/runtime/empty_loop.c

measure() { env IPROBE_THREADS=1 "$@" "$work/instrumented" "$calls" 3; }
best_of() {
  local best=""
  for ((i = 0; i < passes; i++)); do
    local v; v=$("$@")
    if [[ -z $best ]] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$v; fi
  done
  echo "$best"
}

base=$(best_of "$work/plain" "$calls" 3)
printf '%-34s %10s %12s\n' "variant" "ns/call" "ns/event"
printf '%-34s %10.2f %12s\n' "uninstrumented" "$base" "-"
row() {
  local name=$1; shift
  local v; v=$(best_of measure LD_PRELOAD="$PWD/$runtime" "$@")
  printf '%-34s %10.2f %12.2f\n' "$name" "$v" "$(awk -v v="$v" -v b="$base" 'BEGIN { print (v - b) / 2 }')"
}
row "off" IPROBE_MODE=off
row "count (tsc)" IPROBE_MODE=count
row "count (clock_gettime)" IPROBE_MODE=count IPROBE_CLOCK=monotonic
# trace: the program drains its own ring as a reader would (see empty_loop.c)
row "trace (tsc)" IPROBE_MODE=trace DRAIN=1
row "trace (clock_gettime)" IPROBE_MODE=trace DRAIN=1 IPROBE_CLOCK=monotonic
row "trace, ring full (drops counted)" IPROBE_MODE=trace
