#!/usr/bin/env bash
# Makes Chromium available for the browser tests, installing Debian's package
# with apt-get when it is missing (CI starts from a clean machine). Prints the
# path of the binary. Tests find it through CHROMIUM_PATH, /usr/bin/chromium
# or `chromium` on the PATH (tests/_chromium.ts).
#
# Where Chromium is missing and cannot be installed (no apt-get, as on macOS;
# not root and no sudo; no working Debian package, as on Ubuntu, whose
# chromium is a snap shim) it says why on stderr, prints no path and exits 0:
# the rest of the check runs, and the browser tests skip, naming the reason.
# With CI set it exits 1 instead, as CI must run the browser tests (.ci/run
# runs on Debian as root with CI=true).
set -euo pipefail

cannot() {
  echo "No Chromium for the browser tests: $*." >&2
  if [ -n "${CI:-}" ]; then
    echo "CI is set, and CI runs the browser tests: failing." >&2
    exit 1
  fi
  echo "They will be skipped. To run them, install Chromium or set CHROMIUM_PATH to a Chromium or Chrome binary." >&2
  exit 0
}

# A binary that answers --version (a snap shim without snapd does not).
runs() {
  "$1" --version >/dev/null 2>&1
}

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # A binary asked for by name that does not run is a mistake to fix, not a
  # reason to skip.
  if ! runs "$CHROMIUM_PATH"; then
    echo "CHROMIUM_PATH=$CHROMIUM_PATH does not run" >&2
    exit 1
  fi
  echo "$CHROMIUM_PATH"
  exit 0
fi
if found=$(command -v chromium); then
  runs "$found" || cannot "$found does not run (a snap shim without snapd?)"
  echo "$found"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
  cannot "chromium is missing, and there is no apt-get to install Debian's package"
SUDO=()
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 ||
    cannot "chromium is missing, and installing it needs root or sudo"
  # Without a terminal to type a password in, sudo must not wait for one.
  if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO[@]+"${SUDO[@]}"} apt-get update -qq >&2 ||
  cannot "chromium is missing, and apt-get update failed"
${SUDO[@]+"${SUDO[@]}"} apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 ||
  cannot "chromium is missing, and apt-get could not install Debian's chromium package"
found=$(command -v chromium) ||
  cannot "apt-get installed chromium, but no chromium is on the PATH"
runs "$found" || cannot "apt-get installed $found, but it does not run (a snap shim?)"
echo "$found"
