#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=524288 MALLOC_TRIM_THRESHOLD_=524288 node --max-semi-space-size=16 --expose-gc
// The settings and flags: src/util/workerNodeFlags.ts (glibc and V8 read them at start only).
require('../dist/cli/main.js').cli();
