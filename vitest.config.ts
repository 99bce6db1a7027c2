import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: with two files at a time, a CPU-heavy test (a gzip bomb, /dev/zero streamed to the
    // agent) can take several times its time alone; a timeout only catches hangs.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Most files wait on child processes, brokers and Chromium rather than compute: two at a time
    // (vitest's default is one on 2 cores) ran the whole suite in 263 s instead of 471 s here.
    maxWorkers: 2,
  },
});
