import { defineConfig } from 'vitest/config';

// One run covers every package's own tests and the cross-package tests in test/, and the type tests
// (*.test-d.ts: tsc checks them, nothing runs them; a type error or an unused @ts-expect-error fails the run).
// Packages are imported from their built dist (`pnpm test` runs `tsc -b` first).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.typecheck.json',
    },
  },
});
