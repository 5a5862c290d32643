#!/usr/bin/env node
// Thin launcher: the CLI is the tsup build in dist/ (npm run build).
import v8 from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising wasm tier costs ~35 MB of
// peak memory (and time) compiling a parser that only ever reads small JSON answers here; the baseline
// tier is plenty. Measured on Node 20: peak RSS of one API call 99 → 64 MB, 0.64 → 0.43 s (issue 5,
// "peak RSS ≤ 120 MB"). Wasm flags are read when a module compiles, i.e. after this line.
try {
  v8.setFlagsFromString('--liftoff-only');
} catch {
  // an engine without the flag: no harm, only more memory
}

await import('../dist/cli.js');
