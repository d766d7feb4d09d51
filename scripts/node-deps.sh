#!/usr/bin/env bash
# Installs the npm dependencies (which builds the native addon) and compiles
# the TypeScript, unless both are already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.iprobe-install-stamp
if [[ ! -f $stamp || package-lock.json -nt $stamp || binding.gyp -nt $stamp ]]; then
  echo "node-deps: npm ci (builds the native addon)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
npm run --silent build >/dev/null
