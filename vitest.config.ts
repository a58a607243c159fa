import { defineConfig } from 'vitest/config';

// One test file at a time: the system tests (real Redis, the simulated registrar, worker
// processes) are timing-sensitive (the shared rate limit, killed workers) and must not compete
// with other files for the machine's two cores; the unit tests are quick either way.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 1,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'system', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
