#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh build test bench programs
bash scripts/node-deps.sh
npx tsc -p tsconfig.test.json
# The 1,000-connection Parikshan test needs ~3,000 descriptors; CI defaults may be 1,024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
npx vitest run "$@"
