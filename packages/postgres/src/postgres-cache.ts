/**
 * `PostgresCache`: the whole standard (`Backend`: every resource and index,
 * and the `CacheWriter` contract with `reportsOld` and `honoursAfter`) on
 * PostgreSQL through node-postgres. This file holds the lifecycle and wires
 * the read path (reads.ts) and the write path (writer.ts) to the public
 * methods (resource-methods.ts).
 */
import {
  CHANNEL_CHILD_RESOURCES,
  ClosedClient,
  LazyCacheIterator,
  mutation,
  type ApplyOptions,
  type ApplyResult,
  type Backend,
  type CacheIterator,
  type Mutation,
  type ResourceName,
} from '@sake/abc';
import { Connection, type Statement } from './connection.js';
import { PointReads } from './point-reads.js';
import { clearAllStatement, countEntries, iterEntries, type ReadContext } from './reads.js';
import { ResourceMethods } from './resource-methods.js';
import { checkVersion, createStatements, lockStatement, metaTable, qualified, quoteIdent, SCHEMA_VERSION, TABLES } from './schema.js';
import { resolveOptions, type PostgresCacheOptions, type PostgresTarget, type ResolvedOptions } from './options.js';
import { storeKey } from './semantics.js';
import { applyBatch, type WriterContext } from './writer.js';

/**
 * The sake cache standard on PostgreSQL.
 *
 * @example
 * ```ts
 * const cache = new PostgresCache('postgres://bot@db.internal/bot', { schema: 'sake' });
 * await cache.open(); // creates the schema's tables on first use
 * const listener = new GatewayListener(cache);
 * ```
 */
export class PostgresCache extends ResourceMethods implements Backend {
  /** `apply` reports old values (`ApplyOptions.old`), read under the batch's lock in its transaction. */
  readonly reportsOld = true;
  /** `apply` validates a batch at once and writes it once `ApplyOptions.after` settles. */
  readonly honoursAfter = true;
  readonly #options: ResolvedOptions;
  readonly #conn: Connection;
  readonly #reads: ReadContext;
  readonly #points: PointReads;
  readonly #writes: WriterContext;
  #alive = false;
  #opening: Promise<void> | undefined;
  #sweeper: NodeJS.Timeout | undefined;

  /**
   * @param target - a `postgres://` URL, node-postgres pool options, or a `pg.Pool` (used as it is and
   *   not ended by `close()`)
   * @param options - see {@link PostgresCacheOptions}; checked here (a `TypeError` before any I/O)
   */
  constructor(target: PostgresTarget, options: PostgresCacheOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    this.#conn = new Connection(target, this.#options);
    const assertAlive = (): void => this.#assertAlive();
    const { schema, now, iterWindow, userTtlMs } = this.#options;
    this.#reads = { conn: this.#conn, schema, now, window: iterWindow, assertAlive };
    this.#points = new PointReads(this.#reads);
    this.#writes = { conn: this.#conn, schema, now, userTtlMs, assertAlive };
  }

  /** The schema this cache's tables live in. */
  get schema(): string {
    return this.#options.schema;
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.#alive;
  }

  /**
   * Connect, and create the schema's tables on first use. Refuses (`BackendError`) a schema
   * written by a newer or unknown table layout, and rejects with `BackendError` when the server
   * can't be reached within `connectTimeoutMs`. Idempotent; concurrent calls share one attempt.
   */
  open(): Promise<void> {
    if (this.#alive) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    this.#conn.start();
    try {
      await this.#conn.transaction('open (schema check)', async (run) => {
        const schema = this.#options.schema;
        // Two processes opening a new schema at once: the lock makes one create and the other find it.
        // Existence is looked up first: CREATE SCHEMA IF NOT EXISTS would still demand CREATE on the
        // database, which a role given a schema by its DBA does not have.
        const [, found] = await run([
          lockStatement(schema),
          {
            text: 'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema, to_regclass($2) IS NOT NULL AS meta',
            values: [schema, metaTable(schema)],
          },
        ]);
        if (found?.[0]?.schema !== true) await run([{ text: `CREATE SCHEMA ${quoteIdent(schema)}` }]);
        if (found?.[0]?.meta !== true) await run([{ text: `CREATE TABLE ${metaTable(schema)} (name text PRIMARY KEY, value text NOT NULL)` }]);
        const [rows] = await run([{ text: `SELECT value FROM ${metaTable(schema)} WHERE name = 'layout'` }]);
        const stored = rows?.[0]?.value as string | undefined;
        if (checkVersion(schema, stored) === 'create') {
          await run([
            ...createStatements(schema).map((text) => ({ text })),
            { text: `INSERT INTO ${metaTable(schema)} (name, value) VALUES ('layout', $1)`, values: [String(SCHEMA_VERSION)] },
          ]);
        }
      });
    } catch (err) {
      await this.#conn.end();
      throw err;
    }
    this.#alive = true;
    if (this.#options.sweepIntervalMs > 0) {
      this.#sweeper = setInterval(() => void this.sweep().catch(() => {}), this.#options.sweepIntervalMs);
      this.#sweeper.unref();
    }
  }

  /** Disconnect (idempotent). Data is kept in the database; a pool passed in is left open. */
  async close(): Promise<void> {
    if (this.#opening !== undefined) await this.#opening.catch(() => {});
    if (!this.#alive) return;
    this.#alive = false;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.#conn.end();
  }

  #assertAlive(): void {
    if (!this.#alive) throw new ClosedClient('PostgresCache is closed');
  }

  /**
   * Delete every expired row (what the sweep timer runs every `sweepIntervalMs`). Expired rows are
   * never returned before they are swept; sweeping only gives their space back.
   *
   * @returns how many rows were deleted
   */
  async sweep(): Promise<number> {
    this.#assertAlive();
    const now = this.#options.now();
    const statements = (Object.keys(TABLES) as ResourceName[]).map((resource) => ({
      text: `WITH gone AS (DELETE FROM ${qualified(this.#options.schema, resource)} WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      values: [now],
    }));
    const results = await this.#locked('sweep', statements);
    return results.reduce((total, rows) => total + ((rows[0]?.n as number | undefined) ?? 0), 0);
  }

  /** Run `statements` in one transaction holding the schema's write lock (see `lockStatement`); resolves with each one's rows. */
  async #locked(what: string, statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    const results = await this.#conn.transaction(what, (run) => run([lockStatement(this.#options.schema), ...statements], true));
    return results.slice(1, 1 + statements.length);
  }

  /** {@inheritDoc @sake/abc#CacheWriter.apply} */
  apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    return applyBatch(this.#writes, batch, options);
  }

  protected override async readEntry(resource: ResourceName, key: Record<string, string>): Promise<unknown> {
    return this.#points.get(resource, storeKey(resource, key));
  }

  protected override async deleteEntry(resource: ResourceName, key: Record<string, string>): Promise<void> {
    this.#assertAlive();
    if (resource === 'channel' || (resource === 'member' && this.#options.userTtlMs !== undefined)) {
      // A channel's delete takes its children, a member's may start its user's retention: the write path knows how.
      await this.apply([mutation.delete(resource, key as never)]);
      return;
    }
    // Under the write lock: a batch running meanwhile must not write back a row it loaded before this delete.
    await this.#locked(`delete ${resource}`, [
      {
        name: `sake:${this.#options.schema}:delete:${resource}`,
        text: `DELETE FROM ${qualified(this.#options.schema, resource)} WHERE k = $1`,
        values: [storeKey(resource, key)],
      },
    ]);
  }

  protected override iterate(resource: ResourceName, scope?: string, parent?: string): CacheIterator<unknown> {
    return new LazyCacheIterator(
      () => iterEntries(this.#reads, resource, scope, parent),
      () => countEntries(this.#reads, resource, scope, parent),
    );
  }

  /** Before every channel goes: the messages, invites and voice states of the cached channels (the channel cascade). */
  #cascadeAll(): Statement[] {
    const channels = qualified(this.#options.schema, 'channel');
    return CHANNEL_CHILD_RESOURCES.map((child) => ({
      text: `DELETE FROM ${qualified(this.#options.schema, child)} WHERE ${TABLES[child].scopes.channel!} IN (SELECT k FROM ${channels})`,
      values: [],
    }));
  }

  protected override async clearEntries(resource: ResourceName, scope?: string, parent?: string): Promise<void> {
    this.#assertAlive();
    if (scope === undefined) {
      await this.#locked(`clear ${resource}`, [
        ...(resource === 'channel' ? this.#cascadeAll() : []),
        clearAllStatement(this.#reads, resource, this.#options.userTtlMs),
      ]);
      return;
    }
    if (resource === 'channel' || (resource === 'member' && this.#options.userTtlMs !== undefined)) {
      await this.apply([mutation.clearFor(resource, scope as never, parent!)]);
      return;
    }
    const column = TABLES[resource].scopes[scope]!;
    await this.#locked(`clear ${resource} for ${scope} ${parent}`, [
      { text: `DELETE FROM ${qualified(this.#options.schema, resource)} WHERE ${column} = $1`, values: [parent] },
    ]);
  }
}
