// ESLint (flat config) with typescript-eslint's type-checked rules; formatting is prettier's job (.prettierrc.json).
// Type information comes from the TypeScript project service: each file is checked with the nearest tsconfig.json
// that includes it (packages/*/tsconfig.json for src, packages/*/test/tsconfig.json and test/tsconfig.json for tests).
// Tests import the packages from their built declarations, so run `tsc -b` first (`pnpm lint` and `pnpm test` do).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/', '**/node_modules/', 'coverage/', '.vitest-redis/', 'scratch/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Files outside every tsconfig (the root's vitest.config.ts) get the strict test settings.
        projectService: { allowDefaultProject: ['vitest.config.ts'], defaultProject: 'tsconfig.typecheck.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The rules this config is for (the first two are in recommendedTypeChecked; named here so they stay).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      // `_name` marks a deliberately unused binding; a rest sibling (`{ omitted, ...rest }`) is how a field is dropped.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Forwarding a caught error (`catch (err) { reject(err) }`) is right whatever was thrown.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Off: an `async` method without `await` implements a Promise-returning contract (the cache interface) and turns
      // a synchronous throw into a rejection, which callers and the conformance suite rely on.
      '@typescript-eslint/require-await': 'off',
      // Off: the gateway compares the wire's event name (an untrusted string) with GatewayDispatchEvents members;
      // casting it to the enum first would claim what the comparison is there to check.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    // Type tests: tsc checks them and nothing runs them, so taking a method's reference unbound is how they name it.
    files: ['**/*.test-d.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Plain scripts and worker fixtures: in no tsconfig, linted without type information.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
