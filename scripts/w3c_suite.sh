#!/usr/bin/env bash
# Runs the official W3C Trace Context test suite (the test/ folder of the
# w3c/trace-context repository), with every test included (STRICT_LEVEL=2,
# SPEC_LEVEL=2), through tests/w3c_suite_test.ts on Deno, Bun and Node:
# against examples/w3c_test_service.ts (Deno, Bun) and a traceRequestListener
# service on node:http (all three).
#
# The suite's code is not part of this repository. Check out
# w3c/trace-context anywhere, install aiohttp (Debian: apt-get install
# python3-aiohttp), then:
#
#   bash scripts/w3c_suite.sh /path/to/trace-context
#
# PYTHON picks the interpreter (default: the first of python3 and
# /usr/bin/python3 that imports aiohttp). Here a missing suite or aiohttp
# fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 W3C_SUITE_REQUIRED=true

suite="${1:?usage: scripts/w3c_suite.sh <path to a w3c/trace-context checkout>}"
[ -f "$suite/test/test.py" ] || { echo "no test/test.py under $suite" >&2; exit 2; }
W3C_TRACE_CONTEXT="$(cd "$suite" && pwd)"
export W3C_TRACE_CONTEXT
commit=$(git -C "$suite" rev-parse HEAD 2>/dev/null || echo "unknown commit")
echo "W3C Trace Context suite at $commit"

status=0
echo "== Deno $(deno --version | head -1 | cut -d' ' -f2)"
deno test -A tests/w3c_suite_test.ts || status=1
echo "== Bun $(bun --version)"
bun test --timeout 60000 tests/w3c_suite_test.ts || status=1
echo "== Node $(node --version) against npm/"
node scripts/build_npm.mjs && node scripts/test_node.mjs --test-timeout=60000 \
  tests/w3c_suite_test.ts || status=1
exit "$status"
