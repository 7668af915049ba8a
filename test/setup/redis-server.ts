/**
 * The private redis-server launcher now lives in `@sake/redis-server`
 * (tools/redis-server), shared with `pnpm bench`; this file keeps the old
 * import path of the test setup and fault tests working.
 */
export * from '@sake/redis-server';
