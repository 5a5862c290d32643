import { defineConfig } from 'vitest/config';

/**
 * Test files that count what a run does against a clock it does not own (issue 15: 120 files confirm in
 * ≤ 5 finalize requests while no file waits more than ~250 ms for its batch — how many batches that takes
 * depends on how fast the local server takes the files in). They run alone, after everything else, so that
 * another file's server and CLI do not share the 2 cores with them. No timed assertions either way.
 */
const SOLO = ['test/e2e/batch-confirm.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    // In-process coverage (unit and server-side tests; the Worker itself runs in workerd and the CLI in child
    // processes, which scripts/cli-coverage.mjs measures). On in CI or with COVERAGE=1.
    coverage: {
      enabled: Boolean(process.env.CI) || process.env.COVERAGE === '1',
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
      reportsDirectory: 'coverage/unit',
      reportOnFailure: true,
    },
    projects: [
      // 2 cores: server-heavy e2e files run two at a time at most.
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: SOLO, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'solo', include: SOLO, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
