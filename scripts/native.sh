#!/usr/bin/env bash
# Builds the native row encoder (native/rows) when cargo is on PATH. It needs no crate, so the
# build is offline. Without cargo, staging writes the same rows in JavaScript (src/staging/nativeRows.ts).
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
  echo "native.sh: no cargo on PATH; staging rows are written in JavaScript (slower, the same bytes)" >&2
  exit 0
fi
cd "$(dirname "$0")/../native/rows"
cargo build --release --offline --quiet
