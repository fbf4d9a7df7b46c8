import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Many tests drive real ffmpeg/RTSP processes: seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child processes (cameras, ffmpeg, the daemon) are safer in forked workers, and running
    // files one at a time keeps CPU-heavy encoders from skewing each other's timing assertions.
    pool: 'forks',
    fileParallelism: false,
  },
});
