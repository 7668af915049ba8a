/** The options of {@link PostgresCache} and where a cache connects to. */
import type pg from 'pg';
import { checkSchemaName } from './schema.js';

/** Where a {@link PostgresCache} connects: a `postgres://` URL, node-postgres pool options, or an existing `pg.Pool`. */
export type PostgresTarget = string | pg.PoolConfig | pg.Pool;

/** Options of {@link PostgresCache}; every field is optional. */
export interface PostgresCacheOptions {
  /** The schema every table lives in; nothing outside it is read or written (default `sake`). */
  schema?: string;
  /** Milliseconds to wait for a connection (default 5 000). */
  connectTimeoutMs?: number;
  /**
   * Milliseconds one statement may take, enforced on the server
   * (`statement_timeout`, on pools this cache creates) and on the client
   * (`query_timeout`); past it the call rejects with `BackendError`
   * (default 5 000).
   */
  commandTimeoutMs?: number;
  /** Connections in the pool this cache creates (default 10; ignored for a pool passed in). */
  poolSize?: number;
  /**
   * How long a user stays cached after the last member referring to it is
   * removed (ms), as MemoryCache's option. Default: kept until deleted.
   */
  userTtlMs?: number;
  /** Rows fetched per keyset window while iterating (default 500). */
  iterWindow?: number;
  /** How often expired rows are swept (ms; default 60 000; 0 turns the timer off — `sweep()` still works). */
  sweepIntervalMs?: number;
  /**
   * Send a batch's statements without waiting for each reply (node-postgres
   * pipeline mode) on pools this cache creates (default `true`).
   */
  pipeline?: boolean;
  /** Clock used for expiry, epoch ms (tests inject a fake one). Default `Date.now`. */
  now?: () => number;
}

/** {@link PostgresCacheOptions} with defaults filled in. */
export interface ResolvedOptions {
  readonly schema: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly poolSize: number;
  readonly userTtlMs: number | undefined;
  readonly iterWindow: number;
  readonly sweepIntervalMs: number;
  readonly pipeline: boolean;
  readonly now: () => number;
}

function positiveInt(value: unknown, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new TypeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  }
  return value;
}

/** Fill in the defaults and check every option (a `TypeError` before any I/O). */
export function resolveOptions(options: PostgresCacheOptions = {}): ResolvedOptions {
  const userTtlMs = options.userTtlMs;
  if (userTtlMs !== undefined && (typeof userTtlMs !== 'number' || !(userTtlMs > 0) || !Number.isFinite(userTtlMs))) {
    throw new TypeError(`userTtlMs must be a positive number, got ${String(userTtlMs)}`);
  }
  return {
    schema: checkSchemaName(options.schema ?? 'sake'),
    connectTimeoutMs: positiveInt(options.connectTimeoutMs, 'connectTimeoutMs', 5_000),
    commandTimeoutMs: positiveInt(options.commandTimeoutMs, 'commandTimeoutMs', 5_000),
    poolSize: positiveInt(options.poolSize, 'poolSize', 10),
    userTtlMs,
    iterWindow: positiveInt(options.iterWindow, 'iterWindow', 500),
    sweepIntervalMs: positiveInt(options.sweepIntervalMs, 'sweepIntervalMs', 60_000, true),
    pipeline: options.pipeline ?? true,
    now: options.now ?? Date.now,
  };
}
