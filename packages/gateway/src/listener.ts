/**
 * `GatewayListener`: feeds any `@sake/abc` backend from gateway dispatches.
 *
 * Dispatches are validated, translated into `Mutation` batches and written
 * with `cache.apply`; events of one guild in order, different guilds
 * concurrently. Handlers registered with `{ confirm: true }` run once their
 * event is durably cached, with the value cached before it.
 */
import { WebSocketShardEvents } from '@discordjs/ws';
import { GatewayDispatchEvents, GatewayOpcodes, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { isSnowflake, toSnowflake, type Snowflake, type Snowflakeish } from '@sake/abc';
import { BatchBuilder } from './batch-builder.js';
import { BatchWriter } from './batch-writer.js';
import type { ChannelOverlay } from './channel-overlay.js';
import { GuildTracking } from './guild-tracking.js';
import { guildOf, keyOf, type Job } from './jobs.js';
import { orAbsent } from './old-values.js';
import { wholeOption, type ListenerOptions, type ListenerStats, type RequestMembersOptions } from './options.js';
import type { DispatchListener, GatewayClient, GatewaySource } from './source.js';
import { Dispatcher, type DispatchHandler, type ErrorHandler, type HandlerOptions } from './dispatch.js';
import { ListenerWriteError, MemberRequestError } from './errors.js';
import { TRANSLATORS, shardOf } from './events/index.js';
import type { DispatchEventName, EventTranslator, ListenerCache, TranslateContext } from './events/types.js';
import { consoleLogger, type ListenerLogger } from './logger.js';
import { MemberRequests, type MemberRequestResult } from './member-requests.js';
import { KeyedQueue } from './queue.js';
import { SharedOrder } from './shared-order.js';
import { resolveRules, type CacheRules, type ResolvedRules } from './rules.js';
import { MalformedPayload } from './validate.js';

/** Translates gateway dispatches into cache writes. */
export class GatewayListener {
  readonly #cache: ListenerCache;
  readonly #rules: ResolvedRules;
  readonly #logger: ListenerLogger;
  readonly #dispatcher: Dispatcher;
  readonly #queue: KeyedQueue<Job>;
  readonly #requests = new MemberRequests();
  readonly #order = new SharedOrder();
  readonly #writer: BatchWriter<Job>;
  readonly #guilds = new GuildTracking();
  readonly #stats: Omit<ListenerStats, 'pending' | 'batches' | 'mutations'> = {
    received: 0,
    applied: 0,
    ignored: 0,
    filtered: 0,
    malformed: 0,
    failed: 0,
    storeResets: 0,
  };
  #unsubscribeReset: (() => void) | undefined;
  #resyncing: Promise<void> | undefined;
  #source: GatewaySource | undefined;
  readonly #onDispatch: DispatchListener = (payload, shardId) => this.handle(payload, shardId);

  /**
   * @param cache - the backend to feed (any `@sake/abc` Backend; only `apply` and a few reads are used)
   * @param rules - what to cache (default: everything)
   * @param options - logger and batching
   */
  constructor(cache: ListenerCache, rules: CacheRules = {}, options: ListenerOptions = {}) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a JavaScript caller can pass anything
    if (typeof cache?.apply !== 'function') throw new TypeError('GatewayListener needs a cache with an apply(batch) method (a @sake/abc Backend)');
    this.#cache = cache;
    this.#rules = resolveRules(rules);
    this.#logger = options.logger ?? consoleLogger;
    const maxBatchMutations = wholeOption('maxBatchMutations', options.maxBatchMutations, 5000);
    this.#dispatcher = new Dispatcher(this.#logger);
    this.#writer = new BatchWriter(cache, this.#order, {
      confirm: (job, old) => this.#confirm(job, old),
      failed: (jobs, cause) => this.#failed(jobs, cause),
      warn: (message) => this.#logger.warn(message, {}),
    });
    const builder = new BatchBuilder(
      cache,
      this.#rules,
      this.#writer,
      this.#order,
      {
        wantsOld: (t) => this.#dispatcher.hasConfirmed(t),
        context: (job, wantOld, channels) => this.#context(job, wantOld, channels),
        malformed: (job, error) => this.#malformed(job, error),
        failed: (jobs, cause) => this.#failed(jobs, cause),
      },
      maxBatchMutations,
    );
    this.#queue = new KeyedQueue((jobs) => builder.run(jobs), { maxRuns: wholeOption('maxBatchesInFlight', options.maxBatchesInFlight, 2) });
  }

  /** The rules in force (defaults filled in). */
  get rules(): ResolvedRules {
    return this.#rules;
  }

  /** Guilds whose events could not be written: their cached data may be behind until their next GUILD_CREATE. */
  get staleGuilds(): ReadonlySet<Snowflake> {
    return this.#guilds.stale;
  }

  /** Counters since creation. */
  stats(): ListenerStats {
    return { ...this.#stats, ...this.#writer.written, pending: this.#queue.size };
  }

  /** Resolves once every event received so far has been applied (or skipped). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /**
   * Start listening to a `WebSocketManager` (or a `@discordjs/core` `Client`).
   * One source at a time: attaching again detaches the previous one.
   */
  attach(source: GatewaySource | GatewayClient): this {
    const gateway = 'gateway' in source && typeof source.gateway === 'object' ? source.gateway : (source as GatewaySource);
    if (typeof gateway.on !== 'function' || typeof gateway.send !== 'function') {
      throw new TypeError('attach() needs a @discordjs/ws WebSocketManager or a @discordjs/core Client');
    }
    this.detach();
    gateway.on(WebSocketShardEvents.Dispatch, this.#onDispatch);
    this.#source = gateway;
    // A cache that can tell when its store lost everything (Redis restarted empty) gets a resync.
    this.#unsubscribeReset = this.#cache.onStoreReset?.((reason) => {
      this.#stats.storeResets++;
      void this.resync(reason);
    });
    return this;
  }

  /**
   * Bring the cache back after it lost data it had acknowledged (the cache's
   * `onStoreReset`, while attached, calls this; a broker consumer may call it
   * itself): every known guild is marked stale, pending member requests are
   * rejected, and the attached source's shards are closed and connected again
   * for a fresh IDENTIFY, whose READY and GUILD_CREATEs refill the cache and
   * clear the stale marks. Without a source that can reconnect, the guilds
   * stay stale until their next GUILD_CREATE. Resolves once the shards are
   * connecting again (not once the cache is full).
   */
  resync(reason = 'requested'): Promise<void> {
    if (this.#resyncing) return this.#resyncing;
    const run = async (): Promise<void> => {
      this.#guilds.allStale();
      this.#requests.failAll(`the cache lost its data (${reason}); the guild's members come back with its next GUILD_CREATE`);
      const source = this.#source;
      if (!source?.destroy || !source.connect) {
        this.#logger.warn(
          `the cache lost its data (${reason}); ${this.#guilds.knownCount} guild(s) are stale until their next GUILD_CREATE (the source can't reconnect its shards)`,
          {},
        );
        return;
      }
      this.#logger.warn(`the cache lost its data (${reason}); reconnecting every shard for a fresh session`, {});
      try {
        await source.destroy();
        await source.connect();
      } catch (error) {
        this.#logger.error(`could not reconnect the shards after the cache lost its data: ${error instanceof Error ? error.message : String(error)}`, {
          error,
        });
      }
    };
    this.#resyncing = run().finally(() => {
      this.#resyncing = undefined;
    });
    return this.#resyncing;
  }

  /** Stop listening (events already received are still applied; pending member requests are rejected). */
  detach(): this {
    const source = this.#source;
    if (!source) return this;
    this.#source = undefined;
    this.#unsubscribeReset?.();
    this.#unsubscribeReset = undefined;
    source.off?.(WebSocketShardEvents.Dispatch, this.#onDispatch);
    this.#requests.failAll('the listener was detached');
    return this;
  }

  /** Run `handler` on `event`: at once, or with `{ confirm: true }` after the cache applied it. */
  on<T extends DispatchEventName>(event: T, handler: DispatchHandler<T>, options?: HandlerOptions): this;
  /** Run `handler` when a batch could not be written (its guilds are then in {@link staleGuilds}). */
  on(event: 'error', handler: ErrorHandler): this;
  on(event: string, handler: (...args: never[]) => unknown, options: HandlerOptions = {}): this {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    if (event === 'error') this.#dispatcher.onError(handler as unknown as ErrorHandler);
    else this.#dispatcher.on(event, handler as unknown as (data: unknown, old: unknown, shardId: number) => unknown, options.confirm === true);
    return this;
  }

  /** Remove a handler registered with {@link on}. */
  off<T extends DispatchEventName>(event: T, handler: DispatchHandler<T>): this;
  /** Remove an error handler. */
  off(event: 'error', handler: ErrorHandler): this;
  off(event: string, handler: (...args: never[]) => unknown): this {
    if (event === 'error') this.#dispatcher.offError(handler as unknown as ErrorHandler);
    else this.#dispatcher.off(event, handler as unknown as (data: unknown, old: unknown, shardId: number) => unknown);
    return this;
  }

  /**
   * Take one dispatch from any source (a manager calls this through `attach`;
   * a broker consumer calls it directly). Never throws: a malformed payload is
   * logged, counted and skipped.
   */
  handle(payload: GatewayDispatchPayload, shardId = 0): void {
    this.#stats.received++;
    try {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: the payload comes off the wire
      if (typeof payload !== 'object' || payload === null || typeof payload.t !== 'string') {
        this.#stats.malformed++;
        this.#logger.warn('skipped a payload that is not a gateway dispatch', { shardId });
        return;
      }
      const { t, d } = payload as { t: string; d: unknown };
      this.#dispatcher.immediate(t, d, shardId);
      this.#guilds.notice(t, d);
      if (t === GatewayDispatchEvents.RateLimited) this.#rateLimited(d);
      const guildId = guildOf(t, d);
      const filtered = guildId !== undefined && !this.#rules.guildFilter(guildId);
      // Own properties only: an event named `__proto__`, `constructor` or `toString` is unknown, not Object.prototype's.
      const translator = filtered || !Object.hasOwn(TRANSLATORS, t) ? undefined : (TRANSLATORS as Record<string, EventTranslator | undefined>)[t];
      if (filtered) this.#stats.filtered++;
      else if (!translator) {
        this.#stats.ignored++;
        this.#logger.debug(`${t} has no cache effect`, { shardId });
      }
      const stamp = this.#order.stamp();
      try {
        this.#queue.push(keyOf(t, d, guildId), { t, d, shardId, guildId, translator, stamp }, t === GatewayDispatchEvents.Ready);
      } catch (error) {
        this.#order.finish(stamp);
        throw error;
      }
    } catch (error) {
      this.#logger.warn('failed to queue a dispatch', { error, shardId });
    }
  }

  /**
   * Ask Discord for a guild's members (REQUEST_GUILD_MEMBERS through the
   * attached manager, on the guild's shard) and resolve once every chunk has
   * been written to the cache. Rejects with `MemberRequestError` on timeout
   * (no chunk for `timeoutMs`), on a rate limit, or when a chunk can't be
   * written; with `TypeError` for a malformed guild id.
   */
  async requestMembers(guildId: Snowflakeish, options: RequestMembersOptions = {}): Promise<MemberRequestResult> {
    const id = toSnowflake(guildId, 'guildId');
    const source = this.#source;
    if (!source) throw new MemberRequestError(`requestMembers(${id}) needs an attached WebSocketManager or Client: call listener.attach() first`, id);
    if (this.#rules.members === 'none') throw new MemberRequestError(`requestMembers(${id}) is pointless: the rules cache no members (members: 'none')`, id);
    if (!this.#rules.guildFilter(id)) throw new MemberRequestError(`requestMembers(${id}): the guild filter excludes this guild`, id);
    const userIds = options.userIds?.map((u, i) => toSnowflake(u, `userIds[${i}]`));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const shardId = shardOf(id, await source.getShardCount());
    const { nonce, done } = this.#requests.start(id, timeoutMs);
    const presences = options.presences ?? false;
    const d = userIds
      ? { guild_id: id, user_ids: userIds, presences, nonce }
      : { guild_id: id, query: options.query ?? '', limit: options.limit ?? 0, presences, nonce };
    try {
      await source.send(shardId, { op: GatewayOpcodes.RequestGuildMembers, d });
    } catch (error) {
      this.#requests.fail(nonce, new MemberRequestError(`requestMembers(${id}) could not be sent on shard ${shardId}: ${String(error)}`, id, error));
    }
    return done;
  }

  /** A member request Discord rate limited fails at once. */
  #rateLimited(d: unknown): void {
    const data = d as { retry_after?: unknown; meta?: { nonce?: unknown; guild_id?: unknown } } | null;
    const meta = data?.meta;
    if (typeof meta?.nonce === 'string' && this.#requests.has(meta.nonce)) {
      const guild = String(meta.guild_id);
      this.#requests.fail(
        meta.nonce,
        new MemberRequestError(`requestMembers(${guild}) was rate limited by Discord; retry after ${String(data?.retry_after)} s`, guild),
      );
    }
  }

  #context(job: Job, wantOld: boolean, channels: ChannelOverlay): TranslateContext {
    return {
      rules: this.#rules,
      cache: this.#cache,
      meId: this.#guilds.meId,
      shardId: job.shardId,
      wantOld,
      isRequested: (nonce) => this.#requests.has(nonce),
      resolveMeId: async () => {
        if (this.#guilds.meId !== undefined) return this.#guilds.meId;
        const me = await orAbsent(() => this.#cache.getMe());
        // Remember it: without READY (a broker consumer) every reaction would read it again.
        if (me !== undefined && isSnowflake(me.id)) this.#guilds.meId ??= me.id;
        return me?.id;
      },
      find: orAbsent,
      collect: (iterator) => iterator.toArray(),
      guildChannels: async (guildId) => channels.view(guildId, await this.#cache.iterGuildChannelsForGuild(guildId).toArray()),
    };
  }

  #confirm(job: Job, old: unknown): void {
    if (job.translator) this.#stats.applied++;
    const d = job.d as Record<string, unknown>;
    if (job.t === GatewayDispatchEvents.GuildCreate && job.guildId !== undefined && d.unavailable !== true) {
      this.#guilds.current(job.guildId);
      this.#autoRequestMembers(job.guildId, d.large === true);
    }
    if (job.t === GatewayDispatchEvents.GuildMembersChunk && typeof d.nonce === 'string' && this.#requests.has(d.nonce)) {
      const members = Array.isArray(d.members) ? d.members.length : 0;
      const notFound = Array.isArray(d.not_found) ? d.not_found : [];
      this.#requests.applied(d.nonce, Number(d.chunk_index), Number(d.chunk_count), members, notFound);
    }
    this.#dispatcher.confirmed(job.t, job.d, old, job.shardId);
  }

  /** Fill a guild's members after its snapshot, as the `requestMembers` rule says. */
  #autoRequestMembers(guildId: Snowflake, large: boolean): void {
    const policy = this.#rules.requestMembers;
    if (policy === false || (policy === 'large' && !large) || !this.#source || !this.#rules.guildFilter(guildId)) return;
    this.requestMembers(guildId).catch((error: unknown) => {
      this.#logger.warn(`automatic member request for guild ${guildId} failed: ${error instanceof Error ? error.message : String(error)}`, {});
    });
  }

  #malformed(job: Job, error: MalformedPayload): void {
    this.#stats.malformed++;
    this.#logger.warn(`skipped a malformed ${job.t}: ${error.message}`, { shardId: job.shardId });
    const nonce = (job.d as { nonce?: unknown } | null)?.nonce;
    if (job.t === GatewayDispatchEvents.GuildMembersChunk && typeof nonce === 'string' && this.#requests.has(nonce)) {
      this.#requests.fail(
        nonce,
        new MemberRequestError(`a member chunk of guild ${job.guildId ?? '?'} was malformed: ${error.message}`, job.guildId ?? '', error),
      );
    }
  }

  #failed(jobs: Job[], cause: unknown): void {
    this.#stats.failed += jobs.length;
    const guildIds = this.#guilds.failed(jobs);
    const events = jobs.map((j) => j.t);
    const error = new ListenerWriteError(
      `could not write ${jobs.length} event(s) (${[...new Set(events)].join(', ')}) to the cache: ${cause instanceof Error ? cause.message : String(cause)}`,
      guildIds,
      events,
      cause,
    );
    for (const job of jobs) {
      const nonce = (job.d as { nonce?: unknown } | null)?.nonce;
      if (job.t === GatewayDispatchEvents.GuildMembersChunk && typeof nonce === 'string') {
        this.#requests.fail(
          nonce,
          new MemberRequestError(`a member chunk of guild ${job.guildId ?? '?'} could not be written: ${error.message}`, job.guildId ?? '', cause),
        );
      }
    }
    this.#dispatcher.error(error);
  }
}
