/**
 * The pool and every statement's way to the server: timeouts, transactions,
 * and turning whatever node-postgres raises into `BackendError` with the
 * credentials taken out of the message.
 */
import pg from 'pg';
import { BackendError, CacheError } from '@sake/errors';
import type { PostgresTarget, ResolvedOptions } from './options.js';

/** One statement. `name` makes node-postgres prepare it once per connection. */
export interface Statement {
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly name?: string;
}

/** Whether `target` is a pool someone else created (duck-typed: two copies of pg may be loaded). */
function isPool(target: PostgresTarget): target is pg.Pool {
  return typeof target === 'object' && target !== null && typeof (target as pg.Pool).connect === 'function' && typeof (target as pg.Pool).query === 'function';
}

/** The password a target carries, so messages can be scrubbed of it. */
function secretOf(target: PostgresTarget): string | undefined {
  if (typeof target === 'string') {
    try {
      const password = decodeURIComponent(new URL(target).password);
      return password.length > 0 ? password : undefined;
    } catch {
      return undefined;
    }
  }
  if (isPool(target)) return undefined;
  return typeof target.password === 'string' && target.password.length > 0 ? target.password : undefined;
}

/** A pool plus the rules every call follows. */
export class Connection {
  readonly #target: PostgresTarget;
  readonly #options: ResolvedOptions;
  readonly #secret: string | undefined;
  #pool: pg.Pool | undefined;

  constructor(target: PostgresTarget, options: ResolvedOptions) {
    if (typeof target !== 'string' && (typeof target !== 'object' || target === null)) {
      throw new TypeError('PostgresCache needs a postgres:// URL, node-postgres pool options or a pg.Pool');
    }
    this.#target = target;
    this.#options = options;
    this.#secret = secretOf(target);
  }

  /** Create the pool (a pool passed in is used as it is). */
  start(): void {
    if (this.#pool !== undefined) return;
    if (isPool(this.#target)) {
      this.#pool = this.#target;
      return;
    }
    const base: pg.PoolConfig = typeof this.#target === 'string' ? { connectionString: this.#target } : { ...this.#target };
    const connectTimeoutMs = this.#options.connectTimeoutMs;
    // pg-pool uses connectionTimeoutMillis for two waits: a new connection's handshake, and a call
    // queued for a free connection. A burst of thousands of concurrent reads may queue for longer than
    // a connect may take without anything being wrong; so the pool's bound is a generous one, and each
    // connection's own handshake keeps connectTimeoutMs (a client subclass sets it).
    class TimedClient extends pg.Client {
      constructor(config?: string | pg.ClientConfig) {
        super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: connectTimeoutMs });
      }
    }
    const pool = new pg.Pool({
      max: this.#options.poolSize,
      Client: TimedClient,
      connectionTimeoutMillis: connectTimeoutMs + 4 * this.#options.commandTimeoutMs,
      statement_timeout: this.#options.commandTimeoutMs,
      query_timeout: this.#options.commandTimeoutMs + 1_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'sake',
      ...base,
      ...({ pipeline: this.#options.pipeline } as object),
    });
    // An idle connection that breaks (server restarted) emits here; without a listener it would crash the process.
    // The next statement on the pool gets a fresh connection or a BackendError.
    pool.on('error', () => {});
    this.#pool = pool;
  }

  /** End the pool if this cache created it. */
  async end(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined && pool !== this.#target) await pool.end().catch(() => {});
  }

  #require(): pg.Pool {
    if (this.#pool === undefined) throw new BackendError('PostgresCache: the pool is not started');
    return this.#pool;
  }

  /** Run one statement on any pooled connection. */
  async query<Row extends Record<string, unknown> = Record<string, unknown>>(statement: Statement, what: string): Promise<Row[]> {
    try {
      const result = await this.#require().query<Row>(this.#config(statement));
      return result.rows;
    } catch (err) {
      throw this.wrap(err, what);
    }
  }

  /**
   * Run `body` inside one transaction on one connection: BEGIN, `body`,
   * COMMIT; ROLLBACK when `body` throws. A connection that failed is thrown
   * away rather than returned to the pool.
   */
  async transaction<T>(what: string, body: (run: Runner) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#require().connect();
    } catch (err) {
      throw this.wrap(err, what);
    }
    // A checked-out client has no pool listener: a server dying mid-transaction would be an uncaught
    // 'error' event. The statements in flight reject with it anyway; this only keeps the process up.
    const onError = (): void => {};
    client.on('error', onError);
    const release = (err?: Error): void => {
      // A broken client keeps the no-op listener: it is being destroyed and may still emit.
      if (err === undefined) client.removeListener('error', onError);
      client.release(err);
    };
    let committed = false;
    // A pipelining client takes every statement at once (one round trip); another one in turn.
    const pipelined = (client as pg.PoolClient & { pipeline?: boolean }).pipeline === true;
    const send = (s: Statement | string): Promise<Record<string, unknown>[]> =>
      (typeof s === 'string' ? client.query(s) : client.query(this.#config(s))).then((r) => r.rows as Record<string, unknown>[]);
    const run: Runner = async (statements, commit = false) => {
      const all: Array<Statement | string> = [...statements];
      // COMMIT goes right behind the last statement (the same round trip when pipelining).
      if (commit) {
        committed = true;
        all.push('COMMIT');
      }
      if (pipelined) return Promise.all(all.map(send));
      const out: Record<string, unknown>[][] = [];
      for (const s of all) out.push(await send(s));
      return out;
    };
    try {
      let result: T;
      if (pipelined) [, result] = await Promise.all([send('BEGIN'), body(run)]);
      else {
        await send('BEGIN');
        result = await body(run);
      }
      if (!committed) await client.query('COMMIT');
      release();
      return result;
    } catch (err) {
      let broken: unknown = err;
      try {
        await client.query('ROLLBACK');
        broken = undefined;
      } catch {
        // The connection is gone: release(err) below destroys it.
      }
      release(broken === undefined ? undefined : (broken as Error));
      throw err instanceof CacheError || err instanceof TypeError ? err : this.wrap(err, what);
    }
  }

  #config(statement: Statement): pg.QueryConfig {
    const config: pg.QueryConfig & { query_timeout?: number } = { text: statement.text, values: statement.values as unknown[] | undefined };
    if (statement.name !== undefined) config.name = statement.name;
    // A pool passed in has its own settings: this bound holds whatever they are.
    config.query_timeout = this.#options.commandTimeoutMs + 1_000;
    return config;
  }

  /** `err` as a `BackendError` (sake errors pass through), its message scrubbed of the password. */
  wrap(err: unknown, what: string): Error {
    if (err instanceof CacheError) return err;
    const raw = err instanceof Error ? err.message : String(err);
    const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? ` [${(err as { code: string }).code}]` : '';
    return new BackendError(`PostgresCache: ${what} failed: ${this.redact(raw)}${code}`, { cause: err });
  }

  /** `text` without the connection's password. */
  redact(text: string): string {
    return this.#secret === undefined ? text : text.split(this.#secret).join('***');
  }
}

/**
 * Runs statements on a transaction's connection (pipelined when the pool is), resolving with each
 * one's rows; with `commit`, COMMIT follows them at once and ends the transaction.
 */
export type Runner = (statements: readonly Statement[], commit?: boolean) => Promise<Record<string, unknown>[][]>;
