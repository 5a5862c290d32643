import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores: server-heavy e2e files run two at a time at most.
    maxWorkers: 2,
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
  },
});
