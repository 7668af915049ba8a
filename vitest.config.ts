import { defineConfig } from 'vitest/config';

// One run covers every package's own tests, the cross-package tests in test/, the type tests
// (*.test-d.ts: tsc checks them, nothing runs them; a type error or an unused @ts-expect-error
// fails the run) and the tests of the example backends in examples/*/test. Packages are imported
// from their built dist (`pnpm test` runs `tsc -b` first).
//
// Two projects, because vitest calls a project's global setup only when that project has a test
// file queued: `repo` needs the Redis servers test/setup/global.ts starts; `examples` is what a
// backend in its own workspace package looks like (it runs the conformance suite against its own
// store, and needs no Redis), so `npx vitest run examples/<pkg>/test/x.test.ts` starts none.
const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' } as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'repo',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts', 'test/setup/postgres.ts'],
          typecheck: {
            enabled: true,
            include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
            tsconfig: './tsconfig.typecheck.json',
          },
        },
      },
      {
        test: {
          ...shared,
          name: 'examples',
          include: ['examples/*/test/**/*.test.ts'],
        },
      },
    ],
  },
});
