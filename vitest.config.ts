import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (`*.test.ts`); cross-module and process-level tests live in `test/`.
// Renderer tests choose their DOM per file (`// @vitest-environment happy-dom`).
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    environment: 'node',
    // No test may reach for the network: backbones are read from ../shared, never downloaded.
    env: { SONOTL_NO_DOWNLOAD: '1' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
