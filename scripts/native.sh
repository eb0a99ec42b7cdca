#!/usr/bin/env bash
# Builds the native row encoder (native/rows) when cargo is on PATH. It needs no crate, so the
# build is offline. Without cargo, or when its build fails (an old toolchain, a platform it does not
# link on), staging writes the same rows in JavaScript (src/staging/nativeRows.ts): the build goes
# on, so `npm ci` and `npm start` still work, and says why here and in every bench header.
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
  echo "native.sh: no cargo on PATH; staging rows are written in JavaScript (slower, the same bytes)" >&2
  exit 0
fi
cd "$(dirname "$0")/../native/rows"
if ! output=$(cargo build --release --offline --quiet 2>&1); then
  # A library left by an earlier build would be loaded as if it were this source's.
  rm -f target/release/libsparkify_rows.so target/release/libsparkify_rows.dylib target/release/sparkify_rows.dll
  echo "$output" | tail -n 20 >&2
  echo "native.sh: cargo could not build native/rows (above); staging rows are written in JavaScript (slower, the same bytes)" >&2
  exit 0
fi
[ -z "$output" ] || echo "$output" >&2
