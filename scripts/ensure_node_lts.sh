#!/usr/bin/env bash
# Makes a pinned Node.js LTS available for another run of the Node tests, and
# prints the path of its binary: `ensure_node_lts.sh [version]`, Node 24 LTS
# (24.22.3) by default. The machine's own `node` runs the rest of the check
# (Node 20 here); Node 24's AsyncLocalStorage is built on AsyncContextFrame
# rather than on promise hooks, so the suite's async-context tests meet both
# implementations, and Node 22 is the other line package.json's engines name.
#
# It comes from the npm registry as the package node-linux-<arch> at the
# pinned version (npm checks the tarball's integrity), unpacked into
# .tmp/node-<version>/ once. It is not a devDependency: that package's binary
# is named `node`, and npm would link it over the machine's own in
# node_modules/.bin.
#
# Where it cannot be had (no package for this platform, no registry) it says
# why on stderr, prints no path and exits 0, and that Node run is skipped;
# with CI set it exits 1 instead.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${1:-24.22.3}"

cannot() {
  echo "No Node.js $VERSION for its Node run: $*." >&2
  if [ -n "${CI:-}" ]; then
    echo "CI is set, and CI runs the tests on it: failing." >&2
    exit 1
  fi
  echo "That run will be skipped." >&2
  exit 0
}

dir=".tmp/node-$VERSION"
# The registry has this version for Linux only (its macOS packages stop at
# older versions).
[ "$(uname -s)" = Linux ] || cannot "the registry has no package of it for $(uname -s)"
os=linux
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) cannot "no package for $(uname -m)" ;;
esac
binary="$dir/bin/node"
if [ ! -x "$binary" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  tarball=$(npm pack "node-$os-$arch@$VERSION" --pack-destination "$dir" --silent 2>/dev/null) ||
    cannot "npm pack node-$os-$arch@$VERSION failed"
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1 ||
    cannot "could not unpack $tarball"
  rm -f "$dir/$tarball"
fi
"$binary" --version >/dev/null 2>&1 || cannot "$binary does not run"
echo "$PWD/$binary"
