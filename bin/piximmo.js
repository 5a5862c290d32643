#!/usr/bin/env node
// Thin launcher: the CLI is the tsup build in dist/ (npm run build). It loads nothing else: every module
// here is start-up time of `piximmo --help` (issue 15); the V8 tuning for commands that work is in
// src/cli/v8-tuning.ts, applied by main() before a command loads.
await import('../dist/cli/main.js');
