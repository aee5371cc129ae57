#!/usr/bin/env bash
# The whole check: lint, format, types, JSR publish dry run, the test suite
# (doc examples of every entry and of the README included) on Deno and Bun,
# then the npm package: built, checked, tested on Node (the machine's, and
# pinned Node 24 and 22), packed and installed.
# `npm test` runs this; CI runs it through `npm install-ci-test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

step() { printf '\n== %s\n' "$*"; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
entries=(./*.ts)

step "deno lint";              deno lint
step "deno fmt --check";       deno fmt --check
step "deno check";             deno check "${entries[@]}" src/ tests/ examples/ $( [ -d bench ] && echo bench/ )
step "deno publish --dry-run"; deno publish --dry-run --allow-dirty 2>&1 | tail -2
# Every public symbol documented. The ./otel entry is left out: its signatures
# name OpenTelemetry's own types, which doc lint counts as undocumented.
step "deno doc --lint";        deno doc --lint mod.ts testing.ts http.ts hono.ts node.ts otlp.ts viewer.ts
# The browser tests drive headless Chromium: install Debian's package first
# when it is missing (CI starts from a clean machine), so the install does not
# count against a test's own timeout. Where it cannot be installed, the script
# says why and the browser tests skip, unless CI is set.
step "chromium for the browser test"; bash scripts/ensure_chromium.sh
step "tests on Deno $(deno --version | head -1 | cut -d' ' -f2)"
# Bun and Node get an explicit per-test timeout (Bun's own default is 5 s);
# the heavy tests set their own. Each run is bounded as a whole, so a hung
# test fails CI instead of stalling it.
timeout 1200 deno test -A --doc --parallel tests/ "${entries[@]}" src/ README.md 2>&1 | tee -a "$log"
step "tests on Bun $(bun --version)"
timeout 1200 bun test --timeout 60000 tests/ 2>&1 | tee -a "$log"
step "npm package: build npm/";           node scripts/build_npm.mjs
step "npm package: exports match deno.json"; node scripts/check_exports.mjs
step "tests on Node $(node --version) against npm/"
timeout 1200 node scripts/test_node.mjs --test-timeout=60000 2>&1 | tee -a "$log"
# Again on the other LTS lines engines names, pinned and fetched by the
# script (skipped, naming why, where they cannot be had, unless CI is set):
# Node 24's AsyncLocalStorage is another implementation than Node 20's.
for version in 24.22.3 22.23.5; do
  step "Node $version for another Node run"; node_lts=$(bash scripts/ensure_node_lts.sh "$version")
  if [ -n "$node_lts" ]; then
    step "tests on Node $("$node_lts" --version) against npm/"
    timeout 1200 "$node_lts" scripts/test_node.mjs --test-timeout=60000 2>&1 | tee -a "$log"
  fi
done
step "publint (packed)";                  publint run --strict npm
step "attw (packed, profile esm-only)";   attw --pack npm --profile esm-only --format table-flipped --no-color
step "npm smoke: install the tarball in a fresh project"
node scripts/smoke_npm.mjs

# One closing line for every run: Deno counts test steps, Bun and Node count
# tests.
passed=$(sed -nE 's/^ok \| [0-9]+ passed \(([0-9]+) steps\).*/\1/p; s/^ *([0-9]+) pass$/\1/p; s/^ℹ pass ([0-9]+)$/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
# node:test counts a test the event loop left unfinished as cancelled, not
# failed: it is counted as failed here.
failed=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p; s/^ *([0-9]+) fail$/\1/p; s/^ℹ (fail|cancelled) ([0-9]+)$/\2/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
printf '\ntotal: %s passed, %s failed\n' "$passed" "$failed"
