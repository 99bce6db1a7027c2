import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most files wait on child processes, brokers and Chromium rather than compute: two at a time
    // (vitest's default is one on 2 cores) ran the whole suite in 263 s instead of 471 s here.
    maxWorkers: 2,
  },
});
