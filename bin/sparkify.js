#!/usr/bin/env -S node --max-semi-space-size=16 --expose-gc
// The flag: src/util/workerNodeFlags.ts (V8 reads it at start only).
require('../dist/cli/main.js').cli();
