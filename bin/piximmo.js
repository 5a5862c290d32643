#!/usr/bin/env node
// Thin launcher: the CLI is the tsup build in dist/ (npm run build).
import v8 from 'node:v8';

// undici parses HTTP with llhttp compiled to WebAssembly. V8's optimising wasm tier costs ~35 MB of
// peak memory (and time) compiling a parser that only ever reads small JSON answers here; the baseline
// tier is plenty. Measured on Node 20: peak RSS of one API call 99 → 64 MB, 0.64 → 0.43 s (issue 5,
// "peak RSS ≤ 120 MB"). Wasm flags are read when a module compiles, i.e. after this line.
//
// V8 doubles its young generation (up to 2 × 16 MB semi-spaces on Node 20) whenever enough objects survive
// a scavenge; streaming a shoot keeps every part of the pipeline busy at once, so it grows to the top and
// stays there, ~18 MB of peak RSS that buys nothing: what lives here is promises and stream state, not
// data (file bytes are in Buffers outside the V8 heap). Keeping the semi-spaces at their initial 1 MB costs
// more, cheaper scavenges. Measured on Node 20, 200 × 8 MB into the nginx sink: peak RSS 127–131 → 110–113
// MB, wall time unchanged within the noise. Unlike --max-semi-space-size this flag is read at every
// resize, so it works when set here, at run time (`node bin/piximmo.js` has no room for node flags).
//
// --optimize-for-size makes V8 grow its old generation less eagerly (it counts as "optimise for memory" in the
// heap's growing heuristics, read at every GC). Measured on Node 20 at load ~20 (issue 15, "peak RSS ≤ 100 MB
// in every upload workload"): 1,000 × 200 KB peak RSS 111 → 87 MB for 6.7 → 7.3 CPU-s; 60 × 8 MB 98 → 97 MB,
// CPU unchanged.
for (const flag of ['--liftoff-only', '--semi-space-growth-factor=1', '--optimize-for-size']) {
  try {
    v8.setFlagsFromString(flag);
  } catch {
    // an engine without the flag: no harm, only more memory
  }
}

await import('../dist/cli/main.js');
