#!/usr/bin/env bash
# Makes Debian's Chromium available for the browser tests, installing it with
# apt-get when it is missing (CI starts from a clean machine). Prints the
# path of the binary. Tests find it through CHROMIUM_PATH or /usr/bin/chromium.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  command -v chromium
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
command -v chromium
