/**
 * Which cache a command works on: Redis (`--redis URL` / `REDIS_URL`), PostgreSQL
 * (`--postgres URL` / `POSTGRES_URL`), or a MemoryCache loaded from a backup.
 */
import type { Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { restore } from './restore.js';
import { maskLooseUrl, maskUrl } from './secrets.js';
import { UsageError } from './usage-error.js';
import type { RedisDetails } from './redis.js';

/** The backend options every cache command takes. */
export interface BackendOptions {
  /** Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Falls back to `REDIS_URL`. */
  redis?: string;
  /** Key prefix in Redis. */
  prefix?: string;
  /** PostgreSQL URL (`postgres://[user:password@]host:port/db`). Falls back to `POSTGRES_URL`. */
  postgres?: string;
  /** Schema of the cache in PostgreSQL. */
  schema?: string;
  /** Load this backup into a MemoryCache instead of connecting to a store. */
  fromBackup?: string;
}

/** An open cache and how to describe and close it. */
export interface OpenBackend {
  /** The cache. */
  cache: Backend;
  /** `redis`, `postgres` or `memory`. */
  kind: 'redis' | 'postgres' | 'memory';
  /** A printable description (credentials masked). */
  label: string;
  /** Redis-only figures (memory under the prefix, layout version). */
  redis?: RedisDetails;
  /** Close the cache. */
  close(): Promise<void>;
}

/**
 * The Redis URL to use: the option, else `REDIS_URL`, else `undefined`.
 * A value that is not a `redis://` or `rediss://` URL is a {@link UsageError}
 * naming it (credentials masked): ioredis would take `notaurl` for a host name
 * and fail later with a message that hides the typo.
 */
export function redisUrlFrom(options: BackendOptions): string | undefined {
  const url = (options.redis ?? process.env.REDIS_URL)?.trim();
  if (url === undefined || url === '') return undefined;
  checkRedisUrl(url);
  return url;
}

/** Throw a {@link UsageError} unless `url` is a URL ioredis reads as we document it. */
function checkRedisUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  const form = 'redis://[user:password@]host:port[/db], or rediss:// for TLS';
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    // Not maskUrl: `user:pass@host:6379` parses as a URL of scheme `user:` with no password in it.
    throw new UsageError(`--redis/REDIS_URL is not a Redis URL: ${JSON.stringify(maskLooseUrl(url))} (expected ${form})`);
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
    throw new UsageError(
      `--redis/REDIS_URL ${JSON.stringify(maskUrl(url))}: the path must be a database number, got ${JSON.stringify(parsed.pathname)} (expected ${form})`,
    );
  }
}

/** The PostgreSQL URL to use: the option, else `POSTGRES_URL`, else `undefined`. */
export function postgresUrlFrom(options: BackendOptions): string | undefined {
  const url = (options.postgres ?? process.env.POSTGRES_URL)?.trim();
  if (url === undefined || url === '') return undefined;
  checkPostgresUrl(url);
  return url;
}

/** Throw a {@link UsageError} unless `url` is a `postgres://` URL (node-postgres would read anything else as a host name). */
function checkPostgresUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed === undefined || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
    throw new UsageError(
      `--postgres/POSTGRES_URL is not a PostgreSQL URL: ${JSON.stringify(maskLooseUrl(url))} (expected postgres://[user:password@]host[:port]/database)`,
    );
  }
}

/**
 * Open the backend a command asked for. Without Redis there is no cache that
 * outlives a process, so unless `fromBackup` is given (and `allowBackupSource`)
 * this is a {@link UsageError} explaining the choices.
 */
export async function openBackend(options: BackendOptions, allowBackupSource: boolean): Promise<OpenBackend> {
  const url = redisUrlFrom(options);
  const pgUrl = postgresUrlFrom(options);
  if ([url, pgUrl, options.fromBackup].filter((x) => x !== undefined).length > 1) {
    throw new UsageError('give one of --redis/REDIS_URL, --postgres/POSTGRES_URL or --from-backup, not several');
  }
  if (pgUrl !== undefined) {
    // Loaded on demand, like Redis: pg is not needed by commands that never touch PostgreSQL.
    const { openPostgres } = await import('./postgres.js');
    const opened = await openPostgres(pgUrl, { schema: options.schema });
    return { cache: opened.cache, kind: 'postgres', label: `${maskUrl(pgUrl)} (schema ${opened.schema})`, close: () => opened.cache.close() };
  }
  if (url !== undefined) {
    // Loaded on demand: ioredis is not needed by commands that never touch Redis.
    const { openRedis } = await import('./redis.js');
    const opened = await openRedis(url, { prefix: options.prefix });
    return { cache: opened.cache, kind: 'redis', label: `${maskUrl(url)} (prefix ${opened.prefix})`, redis: opened.details, close: () => opened.cache.close() };
  }
  if (options.fromBackup !== undefined) {
    if (!allowBackupSource)
      throw new UsageError(
        '--from-backup loads a throwaway in-memory copy; this command changes a cache, so it needs --redis URL (REDIS_URL) or --postgres URL (POSTGRES_URL)',
      );
    const cache = new MemoryCache();
    await cache.open();
    await restore(cache, options.fromBackup);
    return { cache, kind: 'memory', label: `in-memory copy of ${options.fromBackup}`, close: () => cache.close() };
  }
  throw new UsageError(
    'no cache to work on: the in-memory cache lives only inside the process that fills it (sake demo, sake run). ' +
      'Pass --redis URL or set REDIS_URL to use a Redis cache, --postgres URL or POSTGRES_URL for a PostgreSQL one' +
      (allowBackupSource ? ', or --from-backup FILE to load a backup into memory.' : '.'),
  );
}
