import { defineConfig } from 'vitest/config';

// One run covers every package's own tests and the cross-package tests in test/.
// Packages are imported from their built dist (`pnpm test` runs `tsc -b` first).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts', 'test/setup/postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
