import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; the system tests (real Redis, the simulated registrar, worker
// processes) one file at a time, so that timing-sensitive ones (the shared rate limit, killed
// workers) do not compete with each other for the machine's two cores.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'system', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
