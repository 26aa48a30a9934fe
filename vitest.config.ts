import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two files at once: much of the suite waits on child processes (the CLI, Python references), so two
    // forks on two cores took the unit run from 452 s to 292 s here; the tests share no files or ports.
    maxWorkers: 2,
  },
});
