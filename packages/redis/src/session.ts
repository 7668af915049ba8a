/**
 * One cache's hold on its store: the connection, the layout check on open, the
 * layout re-recorded after every reconnect (and what it finds: a conflict, or
 * a store re-created since), the background orphan sweep, and the context
 * every read and write runs with while the cache is open.
 */
import { BackendError, ClosedClient } from '@sake/abc';
import { Connection, createClient, toCacheError, withDeadline } from './connection.js';
import type { Ctx } from './context.js';
import { Keys } from './keys.js';
import { checkLayout, reassertLayout } from './layout.js';
import { resolveOptions, type RedisCacheOptions, type RedisTarget, type ResolvedOptions } from './options.js';
import { clusterReader } from './readers/cluster.js';
import { SingleNodeReader } from './readers/single-node.js';
import { clusterWriter } from './writers/cluster.js';
import { singleNodeWriter } from './writers/single-node.js';
import { GuildRefs } from './resources/guild-refs.js';
import { RoleDictionaries } from './resources/roles.js';

/** The store of one `RedisCache` (see the module comment). */
export class Session {
  /** The options, defaults filled in. */
  readonly options: ResolvedOptions;
  /** The key layout under the prefix. */
  readonly keys: Keys;
  /** The client and its deadlines. */
  readonly conn: Connection;
  #ctx: Ctx | undefined;
  #opening: Promise<void> | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** Why the store's layout record no longer matches this cache (see {@link reassertLayout}), or undefined. */
  #layoutConflict: string | undefined;
  /** Re-records the layout whenever the client (re)connects after open(). */
  readonly #onReady = (): void => {
    this.conn.reloadFunctions();
    this.#reassertLayout();
  };
  /** The store epoch this cache knows (see `LayoutInfo.epoch`). */
  #epoch: string | undefined;
  readonly #resetHandlers = new Set<(reason: string) => void>();

  /** Create the client (not connected before {@link Session.open}). */
  constructor(target: RedisTarget, options: RedisCacheOptions) {
    this.options = resolveOptions(options);
    this.keys = new Keys(this.options.prefix);
    const { client, owned } = createClient(target, this.options);
    // An adopted client may keep ioredis' default error logging; ours are silent (errors surface as BackendError).
    if (owned) client.on('error', () => {});
    this.conn = new Connection(client, owned, this.options.commandTimeoutMs);
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.#ctx !== undefined && this.conn.isOpen;
  }

  /** Connect and check the key layout (see layout.ts). Idempotent. */
  open(): Promise<void> {
    if (this.isAlive) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    const o = this.options;
    await this.conn.open(o.connectTimeoutMs);
    try {
      if (o.functions) await withDeadline(this.conn.useFunctions(), o.connectTimeoutMs, 'function library load');
      const layout = await withDeadline(checkLayout(this.conn, this.keys, { userBuckets: o.userBuckets }), o.connectTimeoutMs, 'layout check');
      this.#ctx = {
        conn: this.conn,
        keys: this.keys,
        userBuckets: layout.userBuckets,
        memberBucketHint: new Map(),
        largeGuilds: new Set(),
        userTtlMs: o.userTtlMs,
        // Chosen once: the reads and writes that depend on the topology (readers/, writers/).
        reader: this.conn.isCluster ? clusterReader : new SingleNodeReader(this.conn, this.keys),
        writer: this.conn.isCluster ? clusterWriter : singleNodeWriter,
        roles: new RoleDictionaries(this.conn, this.keys),
        guildRefs: new GuildRefs(this.conn, this.keys),
      };
      this.#layoutConflict = undefined;
      this.#epoch = layout.epoch;
      // Redis may come back empty after a restart, layout record included: re-record it on every
      // reconnect, before the writes that follow (commands on one connection run in order), so a
      // process opening the store later reads it with the bucket count its data was written with.
      this.conn.client.on('ready', this.#onReady);
    } catch (err) {
      await this.conn.close();
      throw toCacheError(err, 'open');
    }
    if (o.sweepIntervalMs > 0 && o.userTtlMs > 0) {
      this.#sweepTimer = setInterval(() => {
        this.sweep().catch((err: unknown) => o.logger?.warn(`orphan user sweep failed: ${(err as Error).message}`));
      }, o.sweepIntervalMs);
      this.#sweepTimer.unref();
    }
  }

  /** Disconnect (an adopted client stays connected). Idempotent; stored data is kept. */
  async close(): Promise<void> {
    if (this.#opening) await this.#opening.catch(() => {});
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    if (!this.#ctx) return;
    this.#ctx = undefined;
    this.conn.client.off('ready', this.#onReady);
    await this.conn.close();
  }

  /** The open cache's context, or `ClosedClient` (before open() completes and after close()). */
  ctx(): Ctx {
    if (!this.#ctx || !this.conn.isOpen) throw new ClosedClient();
    if (this.#layoutConflict !== undefined) throw new BackendError(this.#layoutConflict);
    return this.#ctx;
  }

  #reassertLayout(): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    const expected = { userBuckets: ctx.userBuckets, guildRefWidth: ctx.guildRefs.width, ...(this.#epoch === undefined ? {} : { epoch: this.#epoch }) };
    withDeadline(reassertLayout(this.conn, this.keys, expected), this.options.commandTimeoutMs, 'layout').then(
      ({ conflict, reset, epoch }) => {
        if (this.#ctx !== ctx) return;
        if (conflict !== null) {
          this.#layoutConflict = conflict;
          this.options.logger?.warn(conflict);
          return;
        }
        if (reset === null) return;
        this.#epoch = epoch;
        ctx.memberBucketHint.clear();
        ctx.roles.clear();
        ctx.guildRefs.clear();
        this.options.logger?.warn(reset);
        for (const handler of this.#resetHandlers) {
          try {
            handler(reset);
          } catch (err) {
            this.options.logger?.warn(`a store reset handler threw: ${(err as Error).message}`);
          }
        }
      },
      // Lost again before it went through: the next 'ready' retries.
      (err: unknown) => this.options.logger?.warn(`could not re-record the key layout after a reconnect: ${(err as Error).message}`),
    );
  }

  /**
   * Call `handler` when this cache finds, on a reconnect, that its store was re-created (Redis came
   * back empty: the layout record is missing or carries another epoch). What was cached is gone;
   * `GatewayListener` resynchronises on it. Returns a function that unsubscribes.
   */
  onStoreReset(handler: (reason: string) => void): () => void {
    this.#resetHandlers.add(handler);
    return () => void this.#resetHandlers.delete(handler);
  }

  /**
   * Delete users whose orphan deadline has passed, in every bucket (also done in the background
   * every `sweepIntervalMs`, and a little on every write). Resolves with the number deleted.
   */
  sweep(): Promise<number> {
    const ctx = this.ctx();
    return ctx.conn.run('sweep', () =>
      ctx.writer.userOps(
        ctx,
        Array.from({ length: ctx.userBuckets }, (_, b) => [b, ['SWEEP', '0']] as const),
        Date.now(),
      ),
    );
  }
}
