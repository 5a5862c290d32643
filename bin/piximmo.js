#!/usr/bin/env node
// Thin launcher: the CLI is the tsup build in dist/ (npm run build).
import '../dist/cli.js';
