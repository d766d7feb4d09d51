#!/usr/bin/env bash
# Installs the Debian packages a task needs, when they are missing, and says
# what it installs. Usage: scripts/system-deps.sh GROUP...
#   build  compiler, Capstone, elfutils, PAPI: what the native addon links
#   test   what the test suite starts or builds: servers, load generators, apt-get source
#   bench  comparison tools for the benchmarks
#   programs  building the real-program suite from Debian sources (src/bench/programs)
set -euo pipefail

declare -A GROUP_PACKAGES=(
  [build]="gcc g++ make python3 binutils pkg-config libcapstone-dev libdw-dev libelf-dev libpapi-dev"
  [test]="dpkg-dev redis-server redis-tools nginx wrk procps psmisc strace gdb musl-tools"
  # libclang-rt-14-dev holds XRay's runtime (only recommended by clang); lttng-* for LTTng-UST's cyg-profile helper.
  [bench]="hyperfine clang llvm libclang-rt-14-dev uftrace bpftrace linux-perf papi-tools lttng-tools liblttng-ust-dev valgrind gdb"
  # dpkg-dev unpacks apt-get source; tcl generates sqlite3's amalgamation; redis-tools is the load generator.
  [programs]="dpkg-dev gcc make binutils tcl redis-tools"
)

wanted=()
for group in "$@"; do
  [[ -n "${GROUP_PACKAGES[$group]:-}" ]] || { echo "system-deps: unknown group '$group'" >&2; exit 2; }
  for pkg in ${GROUP_PACKAGES[$group]}; do wanted+=("$pkg"); done
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "system-deps: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services must not start on install (CI containers have no init); tests start their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${#missing[@]} package(s)"
