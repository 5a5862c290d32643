#!/usr/bin/env node
// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report(s):
// `node scripts/ci-summary.mjs [report.json …]` sums every report given (default test-results/vitest.json);
// a missing report counts as one failure.
import { readFileSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['test-results/vitest.json'];
const sum = { passed: 0, failed: 0, skipped: 0 };
const missing = [];
for (const file of files) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    sum.passed += r.numPassedTests ?? 0;
    sum.failed += r.numFailedTests ?? 0;
    sum.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } catch (err) {
    sum.failed += 1;
    missing.push(`no vitest report at ${file}: ${err.message}`);
  }
}
if (missing.length) process.exitCode = 1;
console.log(`tests: ${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped${missing.length ? ` (${missing.join('; ')})` : ''}`);
