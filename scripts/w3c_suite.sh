#!/usr/bin/env bash
# Runs the official W3C Trace Context test suite (the test/ folder of the
# w3c/trace-context repository) against examples/w3c_test_service.ts on Deno
# and on Bun, with every test included (STRICT_LEVEL=2, SPEC_LEVEL=2).
#
# A manual run: the suite's code is not part of this repository. Check out
# w3c/trace-context anywhere, install aiohttp (Debian: apt-get install
# python3-aiohttp), then:
#
#   bash scripts/w3c_suite.sh /path/to/trace-context
#
# PYTHON picks the interpreter (default python3); SERVICE_PORT and
# HARNESS_PORT the loopback ports (default 15000 and 17000), so runs by
# several people on one machine do not collide.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1

suite="${1:?usage: scripts/w3c_suite.sh <path to a w3c/trace-context checkout>}"
[ -f "$suite/test/test.py" ] || { echo "no test/test.py under $suite" >&2; exit 2; }
python="${PYTHON:-python3}"
service_port="${SERVICE_PORT:-15000}"
harness_port="${HARNESS_PORT:-17000}"
commit=$(git -C "$suite" rev-parse HEAD 2>/dev/null || echo "unknown commit")
echo "W3C Trace Context suite at $commit"

status=0
for runtime in deno bun; do
  case "$runtime" in
    deno) start=(deno run -A examples/w3c_test_service.ts); version="Deno $(deno --version | head -1 | cut -d' ' -f2)" ;;
    bun) start=(bun examples/w3c_test_service.ts); version="Bun $(bun --version)" ;;
  esac
  PORT="$service_port" "${start[@]}" >/dev/null 2>&1 &
  service=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$service_port") 2>/dev/null && break
    sleep 0.1
  done
  log=$(mktemp)
  set +e
  (cd "$suite/test" && HARNESS_PORT="$harness_port" STRICT_LEVEL=2 SPEC_LEVEL=2 \
    "$python" test.py "http://127.0.0.1:$service_port/test") >"$log" 2>&1
  rc=$?
  set -e
  kill "$service" 2>/dev/null || true
  wait "$service" 2>/dev/null || true
  ran=$(sed -nE 's/^Ran ([0-9]+) tests?.*/\1/p' "$log")
  failures=$(grep -cE '^(FAIL|ERROR):' "$log" || true)
  echo "$version: ran ${ran:-0}, failed $failures (exit $rc)"
  if [ "$rc" != 0 ]; then grep -E '^(FAIL|ERROR):' "$log" || tail -20 "$log"; status=1; fi
  rm -f "$log"
done
exit "$status"
