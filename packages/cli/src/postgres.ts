/** The PostgreSQL backend as the CLI opens it. */
import type { Backend } from '@sake/abc';
import { PostgresCache } from '@sake/postgres';

/** Options of {@link openPostgres}. */
export interface OpenPostgresOptions {
  /** Schema the cache lives in (default: @sake/postgres's, `sake`). */
  schema?: string | undefined;
}

/**
 * Connect a {@link PostgresCache} to `url` (short timeouts: an operator's
 * command should fail fast on an unreachable server, with a `BackendError`).
 * The schema's tables are created on first use.
 */
export async function openPostgres(url: string, options: OpenPostgresOptions = {}): Promise<{ cache: Backend; schema: string }> {
  const cache = new PostgresCache(url, {
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
    connectTimeoutMs: 5000,
    // A CLI process is short-lived: sweeping expired rows is the long-running writer's job.
    sweepIntervalMs: 0,
  });
  await cache.open();
  return { cache, schema: cache.schema };
}
