#!/usr/bin/env bash
# The whole check: lint, format, types, JSR publish dry run, and the test
# suite (doc examples included) on every runtime. `npm test` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

step() { printf '\n== %s\n' "$*"; }

step "deno lint";              deno lint
step "deno fmt --check";       deno fmt --check
step "deno check";             deno check mod.ts src/ tests/ examples/ bench/
step "deno publish --dry-run"; deno publish --dry-run --allow-dirty 2>&1 | tail -2
step "tests on Deno $(deno --version | head -1 | cut -d' ' -f2)"
deno test -A --doc --parallel tests/ mod.ts src/ README.md
step "tests on Bun $(bun --version)"
bun test tests/
