#!/usr/bin/env node
// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report(s):
// `node scripts/ci-summary.mjs [report.json …]` sums every report given (default test-results/vitest.json);
// a missing report counts as one failure. Each failed test is listed just above that line (report, file, name,
// the first lines of its message), so a CI log that keeps only its tail still says what failed.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['test-results/vitest.json'];
const sum = { passed: 0, failed: 0, skipped: 0 };
const missing = [];
const failures = [];
for (const file of files) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    sum.passed += r.numPassedTests ?? 0;
    sum.failed += r.numFailedTests ?? 0;
    sum.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    for (const suite of r.testResults ?? []) {
      const where = relative(process.cwd(), suite.name ?? '?');
      const failed = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failed) failures.push({ file, where, name: t.fullName ?? t.title, messages: t.failureMessages ?? [] });
      // A file that failed to load has no failed test of its own, only the suite's message.
      if (failed.length === 0 && suite.status === 'failed') failures.push({ file, where, name: '(the file itself)', messages: [suite.message ?? ''] });
    }
  } catch (err) {
    sum.failed += 1;
    missing.push(`no vitest report at ${file}: ${err.message}`);
  }
}
// Strips ANSI colour codes and other control characters from messages before they are printed.
const plain = (s) => String(s).replace(/\u001b\[[0-9;]*m/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
for (const f of failures) {
  console.log(`FAILED [${f.file}] ${f.where} › ${plain(f.name)}`);
  const lines = plain(f.messages.join('\n')).split('\n').filter((l) => l.trim() !== '').slice(0, 6);
  for (const line of lines) console.log(`    ${line.slice(0, 300)}`);
}
if (missing.length) process.exitCode = 1;
console.log(`tests: ${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped${missing.length ? ` (${missing.join('; ')})` : ''}`);
