#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh build test
bash scripts/node-deps.sh
npx tsc -p tsconfig.test.json
npx vitest run "$@"
