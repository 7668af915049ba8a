/**
 * `GatewayListener`: feeds any `@sake/abc` backend from gateway dispatches.
 *
 * Dispatches are validated, translated into `Mutation` batches and written
 * with `cache.apply`; events of one guild in order, different guilds
 * concurrently. Handlers registered with `{ confirm: true }` run once their
 * event is durably cached, with the value cached before it.
 */
import { WebSocketShardEvents } from '@discordjs/ws';
/** A value or a promise of it. */
type Awaitable<T> = T | PromiseLike<T>;
import { GatewayDispatchEvents, GatewayOpcodes, type GatewayDispatchPayload, type GatewaySendPayload } from 'discord-api-types/v10';
import { BackendError, isSnowflake, toSnowflake, type ApplyOptions, type ApplyResult, type Mutation, type Snowflake, type Snowflakeish } from '@sake/abc';
import { orAbsent, readOld } from './old-values.js';
import { Dispatcher, type DispatchHandler, type ErrorHandler, type HandlerOptions } from './dispatch.js';
import { ListenerWriteError, MemberRequestError } from './errors.js';
import { TRANSLATORS, shardOf } from './events/index.js';
import type { DispatchEventName, EventTranslator, ListenerCache, TranslateContext, Translation } from './events/types.js';
import { consoleLogger, type ListenerLogger } from './logger.js';
import { MemberRequests, type MemberRequestResult } from './member-requests.js';
import { KeyedQueue } from './queue.js';
import { SharedOrder } from './shared-order.js';
import { applyRules, resolveRules, type CacheRules, type ResolvedRules } from './rules.js';
import { MalformedPayload } from './validate.js';

/** A dispatch callback as `@discordjs/ws` calls it. */
export type DispatchListener = (payload: GatewayDispatchPayload, shardId: number) => void;

/**
 * Where dispatches come from and member requests go: a `@discordjs/ws`
 * `WebSocketManager` (or anything shaped like `@discordjs/core`'s `Gateway`).
 */
export interface GatewaySource {
  /** Subscribe to dispatches. */
  on(event: WebSocketShardEvents.Dispatch, listener: DispatchListener): unknown;
  /** Unsubscribe (used by `detach`; sources without it are muted instead). */
  off?(event: WebSocketShardEvents.Dispatch, listener: DispatchListener): unknown;
  /** Send a payload through a shard. */
  send(shardId: number, payload: GatewaySendPayload): Awaitable<void>;
  /** The total shard count (to find a guild's shard). */
  getShardCount(): Awaitable<number>;
  /** Close every shard, ending its session (with `connect`: how the listener forces a fresh IDENTIFY). */
  destroy?(): Awaitable<void>;
  /** Connect every shard (a fresh IDENTIFY after `destroy`). */
  connect?(): Awaitable<void>;
}

/** A `@discordjs/core` `Client` (or anything holding a {@link GatewaySource} as `gateway`). */
export interface GatewayClient {
  /** The client's gateway. */
  readonly gateway: GatewaySource;
}

/** Options of {@link GatewayListener}. */
export interface ListenerOptions {
  /** Where skipped payloads and failures are reported. Default: the console (warn/error). */
  logger?: ListenerLogger;
  /**
   * Flush a batch once it holds this many mutations. Default 5 000: a backend may write a batch's
   * ops for one guild in one atomic call (RedisCache does), and Redis serves nobody else meanwhile —
   * a 100k-member guild's ingest made calls of ~60–95 ms at 20 000 and ~20–40 ms at 5 000, at the same
   * ingest speed (2 000: ~10 ms, but ~30 % slower; `node bench/dist/long-calls.js --batch 20000,5000,2000`).
   */
  maxBatchMutations?: number;
  /**
   * Most batches being written at once. Default 2. Events that arrive while they are written wait,
   * and the next batch takes the waiting events of every guild not in a batch already (each
   * guild's events stay in order): the cost of one write is shared by every busy guild.
   */
  maxBatchesInFlight?: number;
}

/** Options of {@link GatewayListener.requestMembers}. */
export interface RequestMembersOptions {
  /** Give up when no chunk was applied for this long (ms). Default 30 000. */
  timeoutMs?: number;
  /** Also fetch presences (needs the GUILD_PRESENCES intent). Default false. */
  presences?: boolean;
  /** Only these users (at most 100). */
  userIds?: readonly Snowflakeish[];
  /** Only members whose username starts with this ('' = everyone). Ignored with `userIds`. */
  query?: string;
  /** At most this many members (0 = no limit). Ignored with `userIds`. */
  limit?: number;
}

/** Counters of what the listener did since it was created. */
export interface ListenerStats {
  /** Dispatches handed to the listener. */
  received: number;
  /** Dispatches whose mutations were durably applied. */
  applied: number;
  /** Dispatches with no cache effect (events the cache does not track, DMs). */
  ignored: number;
  /** Dispatches of guilds the guild filter excludes. */
  filtered: number;
  /** Dispatches skipped because they were malformed. */
  malformed: number;
  /** Dispatches whose write (or a read it needed) failed. */
  failed: number;
  /** Batches written. */
  batches: number;
  /** Mutations written. */
  mutations: number;
  /** Dispatches queued or being applied right now. */
  pending: number;
  /** Times the cache reported its store lost (see {@link GatewayListener.resync}). */
  storeResets: number;
}

interface Job {
  readonly t: string;
  readonly d: unknown;
  readonly shardId: number;
  readonly guildId: Snowflake | undefined;
  /** Undefined when the event has no cache effect (unknown, or filtered out). */
  readonly translator: EventTranslator | undefined;
  /** Its place in the listener's stream (see {@link SharedOrder}). */
  readonly stamp: number;
}

/** An event translated and waiting for its batch to be written. */
interface Pending {
  readonly job: Job;
  /** The value cached before the event (filled in after the write when the backend reports it). */
  old: unknown;
  /** Where the event's mutations start in the batch. */
  readonly from: number;
  /** Batch indexes whose previous entries the backend is asked to report. */
  readonly oldAt?: number[];
  /** The old value is a list (MESSAGE_DELETE_BULK): the entries found. */
  readonly oldIsList?: boolean;
}

/** A batch handed to the cache by a listener run. */
interface HandedOver {
  /** The cache's `apply` (for a batch of events without mutations, the previous batch's write, or a resolved promise). */
  readonly write: Promise<ApplyResult | void>;
  /** Resolves once its events are confirmed (or failed and isolated); never rejects. */
  readonly handled: Promise<void>;
}

/** A batch being written that writes shared entities: later batches writing the same ones wait for it. */
interface SharedWrite {
  /** The users it writes, each with the version of it written ({@link SharedOrder.write}). */
  readonly users: ReadonlyMap<Snowflake, number>;
  /** Resolves (never rejects) once the batch is applied or isolated. */
  readonly settled: Promise<unknown>;
}

/** Positions in `kept` (the mutations the rules keep, in order) of `all[oldOf]`: a dropped mutation has no old value. */
function wantedPositions(all: readonly Mutation[], kept: readonly Mutation[], oldOf: number | readonly number[]): number[] {
  const want = typeof oldOf === 'number' ? [oldOf] : oldOf;
  const out: number[] = [];
  for (const i of want) {
    const at = kept.indexOf(all[i]!);
    if (at >= 0) out.push(at);
  }
  return out;
}

/** The guild an event belongs to (its ordering key), when it has one. */
function guildOf(t: string, d: unknown): Snowflake | undefined {
  if (typeof d !== 'object' || d === null) return undefined;
  const data = d as { id?: unknown; guild_id?: unknown };
  const id = t === GatewayDispatchEvents.GuildCreate || t === GatewayDispatchEvents.GuildUpdate || t === GatewayDispatchEvents.GuildDelete ? data.id : data.guild_id;
  return isSnowflake(id) ? id : undefined;
}

/** The queue key of an event: its guild, else its channel (DMs), else a shared key. */
function keyOf(t: string, d: unknown, guildId: Snowflake | undefined): string {
  if (guildId !== undefined) return `g:${guildId}`;
  if (t === GatewayDispatchEvents.UserUpdate) return 'me';
  const channelId = typeof d === 'object' && d !== null ? (d as { channel_id?: unknown }).channel_id : undefined;
  return typeof channelId === 'string' ? `c:${channelId}` : 'global';
}

/** A listener option that must be a whole number ≥ 1 (its default when absent). */
function wholeOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`GatewayListener: ${name} must be a whole number ≥ 1, got ${String(value)}`);
  return value;
}

/** Translates gateway dispatches into cache writes. */
export class GatewayListener {
  readonly #cache: ListenerCache;
  readonly #rules: ResolvedRules;
  readonly #logger: ListenerLogger;
  readonly #maxBatchMutations: number;
  readonly #dispatcher: Dispatcher;
  readonly #queue: KeyedQueue<Job>;
  readonly #requests = new MemberRequests();
  readonly #order = new SharedOrder();
  /** Batches in flight that write users, oldest first. */
  #sharedWrites: SharedWrite[] = [];
  readonly #stale = new Set<Snowflake>();
  readonly #stats: Omit<ListenerStats, 'pending'> = { received: 0, applied: 0, ignored: 0, filtered: 0, malformed: 0, failed: 0, batches: 0, mutations: 0, storeResets: 0 };
  /** Guilds the listener has seen available (READY's list, GUILD_CREATE) and not left since. */
  readonly #knownGuilds = new Set<Snowflake>();
  #unsubscribeReset: (() => void) | undefined;
  #resyncing: Promise<void> | undefined;
  #source: GatewaySource | undefined;
  #meId: Snowflake | undefined;
  readonly #onDispatch: DispatchListener = (payload, shardId) => this.handle(payload, shardId);

  /**
   * @param cache - the backend to feed (any `@sake/abc` Backend; only `apply` and a few reads are used)
   * @param rules - what to cache (default: everything)
   * @param options - logger and batching
   */
  constructor(cache: ListenerCache, rules: CacheRules = {}, options: ListenerOptions = {}) {
    if (typeof cache?.apply !== 'function') throw new TypeError('GatewayListener needs a cache with an apply(batch) method (a @sake/abc Backend)');
    this.#cache = cache;
    this.#rules = resolveRules(rules);
    this.#logger = options.logger ?? consoleLogger;
    this.#maxBatchMutations = wholeOption('maxBatchMutations', options.maxBatchMutations, 5000);
    this.#dispatcher = new Dispatcher(this.#logger);
    this.#queue = new KeyedQueue((jobs) => this.#run(jobs), { maxRuns: wholeOption('maxBatchesInFlight', options.maxBatchesInFlight, 2) });
  }

  /** The rules in force (defaults filled in). */
  get rules(): ResolvedRules {
    return this.#rules;
  }

  /** Guilds whose events could not be written: their cached data may be behind until their next GUILD_CREATE. */
  get staleGuilds(): ReadonlySet<Snowflake> {
    return new Set(this.#stale);
  }

  /** Counters since creation. */
  stats(): ListenerStats {
    return { ...this.#stats, pending: this.#queue.size };
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
      for (const id of this.#knownGuilds) this.#stale.add(id);
      this.#requests.failAll(`the cache lost its data (${reason}); the guild's members come back with its next GUILD_CREATE`);
      const source = this.#source;
      if (!source?.destroy || !source.connect) {
        this.#logger.warn(`the cache lost its data (${reason}); ${this.#knownGuilds.size} guild(s) are stale until their next GUILD_CREATE (the source can't reconnect its shards)`, {});
        return;
      }
      this.#logger.warn(`the cache lost its data (${reason}); reconnecting every shard for a fresh session`, {});
      try {
        await source.destroy();
        await source.connect();
      } catch (error) {
        this.#logger.error(`could not reconnect the shards after the cache lost its data: ${error instanceof Error ? error.message : String(error)}`, { error });
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
      if (typeof payload !== 'object' || payload === null || typeof payload.t !== 'string') {
        this.#stats.malformed++;
        this.#logger.warn('skipped a payload that is not a gateway dispatch', { shardId });
        return;
      }
      const { t, d } = payload as { t: string; d: unknown };
      this.#dispatcher.immediate(t, d, shardId);
      this.#notice(t, d);
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

  /** Things the listener learns from a dispatch before it is queued. */
  #notice(t: string, d: unknown): void {
    if (typeof d !== 'object' || d === null) return;
    if (t === GatewayDispatchEvents.GuildCreate) {
      const id = (d as { id?: unknown }).id;
      if (isSnowflake(id)) this.#knownGuilds.add(id);
    } else if (t === GatewayDispatchEvents.GuildDelete) {
      const data = d as { id?: unknown; unavailable?: unknown };
      if (isSnowflake(data.id) && data.unavailable !== true) this.#knownGuilds.delete(data.id);
    } else if (t === GatewayDispatchEvents.Ready) {
      const id = (d as { user?: { id?: unknown } }).user?.id;
      if (isSnowflake(id)) this.#meId = id;
      const guilds = (d as { guilds?: unknown }).guilds;
      if (Array.isArray(guilds)) for (const g of guilds) if (isSnowflake((g as { id?: unknown } | null)?.id)) this.#knownGuilds.add((g as { id: Snowflake }).id);
    } else if (t === GatewayDispatchEvents.RateLimited) {
      const meta = (d as { opcode?: unknown; retry_after?: unknown; meta?: { nonce?: unknown; guild_id?: unknown } }).meta;
      if (typeof meta?.nonce === 'string' && this.#requests.has(meta.nonce)) {
        const retryAfter = (d as { retry_after?: unknown }).retry_after;
        const guild = String(meta.guild_id);
        this.#requests.fail(meta.nonce, new MemberRequestError(`requestMembers(${guild}) was rate limited by Discord; retry after ${String(retryAfter)} s`, guild));
      }
    }
  }

  #context(job: Job, wantOld: boolean): TranslateContext {
    return {
      rules: this.#rules,
      cache: this.#cache,
      meId: this.#meId,
      shardId: job.shardId,
      wantOld,
      isRequested: (nonce) => this.#requests.has(nonce),
      resolveMeId: async () => {
        if (this.#meId !== undefined) return this.#meId;
        const me = await orAbsent(() => this.#cache.getMe());
        // Remember it: without READY (a broker consumer) every reaction would read it again.
        if (me !== undefined && isSnowflake(me.id)) this.#meId ??= me.id;
        return me?.id;
      },
      find: orAbsent,
      collect: (iterator) => iterator.toArray(),
    };
  }

  /**
   * Translate and write one run's jobs (one or more guilds', each guild's in
   * order) in as few batches as possible: only a translator that reads
   * (`reads: 'always'`, or `'forOld'` when a confirmed handler wants the old
   * value) makes the listener write what came before it first. Old values
   * come from inside the write when the backend `reportsOld`; otherwise they
   * are read just before their event is written.
   */
  async #run(jobs: Job[]): Promise<void> {
    let mutations: Mutation[] = [];
    let ready: Pending[] = [];
    const reportsOld = this.#cache.reportsOld === true;
    // A backend that honours `after` gets a long run's next batch while the previous one is being
    // written (it prepares it meanwhile); others get one batch at a time.
    const overlapping = this.#cache.honoursAfter === true;
    /** The batch handed over last: its write, and the end of its handling (confirmations or isolation). */
    let last: HandedOver | undefined;
    /**
     * Hand what was collected over. With `wait` (the default), resolve once everything handed over
     * is applied and confirmed; without it (a long run reaching the batch size), once everything
     * but this batch is, so one batch is written while the next is collected.
     */
    const flush = async (wait = true): Promise<void> => {
      if (ready.length > 0) {
        const previous = last;
        last = this.#handOver(mutations, ready, overlapping ? previous : undefined);
        mutations = [];
        ready = [];
        if (!wait && overlapping) {
          await previous?.handled;
          return;
        }
      }
      await last?.handled;
    };

    for (const job of jobs) {
      const translator = job.translator;
      if (!translator) {
        ready.push({ job, old: undefined, from: mutations.length });
        continue;
      }
      const wantOld = this.#dispatcher.hasConfirmed(job.t);
      // A translator that reads must see every earlier event of its guild: write those first.
      if (translator.reads === 'always' || (translator.reads === 'forOld' && wantOld)) await flush();
      let translation: Translation;
      try {
        translation = await translator.translate(job.d as never, this.#context(job, wantOld));
      } catch (error) {
        this.#order.finish(job.stamp);
        if (error instanceof MalformedPayload) this.#malformed(job, error);
        else {
          await flush();
          this.#failed([job], error);
        }
        continue;
      }
      const own = applyRules(translation.mutations, this.#rules);
      const oldOf = wantOld ? translation.oldOf : undefined;
      // Positions in `own` of the mutations whose previous entry makes the old value.
      const wanted = oldOf === undefined ? [] : wantedPositions(translation.mutations, own, oldOf);
      let old: unknown = translation.old;
      let oldAt: number[] | undefined;
      if (oldOf !== undefined && !reportsOld) {
        // The backend can't report old values: write what came before, then read them.
        await flush();
        try {
          const values = await Promise.all(wanted.map((i) => readOld(this.#cache, own[i]!)));
          old = typeof oldOf === 'number' ? values[0] : values.filter((v) => v !== undefined);
        } catch (error) {
          this.#order.finish(job.stamp);
          this.#failed([job], error);
          continue;
        }
      } else if (oldOf !== undefined) {
        oldAt = wanted.map((i) => mutations.length + i);
        old = typeof oldOf === 'number' ? undefined : [];
      }
      ready.push({ job, old, from: mutations.length, oldAt, oldIsList: typeof oldOf !== 'number' && oldOf !== undefined });
      for (const m of own) mutations.push(m);
      if (mutations.length >= this.#maxBatchMutations) await flush(false);
    }
    await flush();
  }

  /**
   * Hand one batch to the cache and handle its outcome. With `previous` (a backend that honours
   * `after`), the write is ordered after the previous batch's and its handling after the previous
   * handling; a batch whose predecessor failed was not written at all, so it is applied again once
   * the predecessor's events have been isolated.
   */
  #handOver(collected: Mutation[], translated: Pending[], previous: HandedOver | undefined): HandedOver {
    const { batch, done, users } = this.#ordered(collected, translated);
    const shared = this.#waitForShared(users);
    const wanted: number[] = [];
    for (const r of done) if (r.oldAt) wanted.push(...r.oldAt);
    const after = previous && shared ? Promise.all([previous.write, shared]) : (previous?.write ?? shared);
    const overlapping = this.#cache.honoursAfter === true;
    const options: ApplyOptions = {
      ...(wanted.length > 0 ? { old: wanted } : {}),
      ...(after && overlapping && batch.length > 0 ? { after } : {}),
    };
    // A batch without mutations writes nothing, but the next one must still wait for the write before it.
    const write: Promise<ApplyResult | void> =
      batch.length === 0
        ? (previous?.write ?? Promise.resolve())
        : shared && !overlapping
          ? shared.then(() => this.#cache.apply(batch, options))
          : this.#cache.apply(batch, options);
    // Its failure is handled below, once the previous batch's handling is done: not unhandled meanwhile.
    write.catch(() => {});
    const handled = (async (): Promise<void> => {
      if (previous) await previous.handled;
      let result: ApplyResult | void;
      try {
        result = await write;
      } catch (error) {
        // Written again below: still after the batches that write the same users.
        await shared;
        if (previous && (await previous.write.then(() => false, () => true))) await this.#applyBatch(batch, done, wanted);
        else await this.#isolate(batch, done, error);
        return;
      }
      this.#applied(batch, done, result, wanted);
    })();
    // Until its events are applied or isolated (which writes them again), later writers of its users wait.
    if (users.size > 0) this.#sharedWritten(users, handled);
    return { write, handled };
  }

  /**
   * Rewrite a batch's user writes into gateway order ({@link SharedOrder}), now that every batch
   * handed over before it is known; events whose writes were wholly superseded lose them.
   */
  #ordered(collected: Mutation[], translated: Pending[]): { batch: Mutation[]; done: Pending[]; users: Map<Snowflake, number> } {
    const users = new Map<Snowflake, number>();
    const batch: Mutation[] = [];
    const done: Pending[] = [];
    for (const [i, r] of translated.entries()) {
      const end = translated[i + 1]?.from ?? collected.length;
      const from = batch.length;
      const oldAt: number[] | undefined = r.oldAt ? [] : undefined;
      for (let at = r.from; at < end; at++) {
        const m = this.#order.write(collected[at]!, r.job.stamp, users);
        if (m === undefined) continue;
        if (oldAt && r.oldAt!.includes(at)) oldAt.push(batch.length);
        batch.push(m);
      }
      this.#order.finish(r.job.stamp);
      done.push(from === r.from && oldAt === undefined ? r : { ...r, from, ...(oldAt ? { oldAt } : {}) });
    }
    return { batch, done, users };
  }

  /** What a batch writing `users` waits for: the batches in flight that write another version of any of them (never rejecting). */
  #waitForShared(users: ReadonlyMap<Snowflake, number>): Promise<unknown> | undefined {
    if (users.size === 0) return undefined;
    const before: Promise<unknown>[] = [];
    for (const w of this.#sharedWrites) {
      const [small, large] = w.users.size < users.size ? [w.users, users] : [users, w.users];
      for (const [id, version] of small) {
        const other = large.get(id);
        if (other !== undefined && other !== version) {
          before.push(w.settled);
          break;
        }
      }
    }
    return before.length === 0 ? undefined : before.length === 1 ? before[0] : Promise.all(before);
  }

  /** Remember a batch writing `users` until it is handled (`handled` never rejects). */
  #sharedWritten(users: ReadonlyMap<Snowflake, number>, handled: Promise<void>): void {
    const entry: SharedWrite = { users, settled: handled };
    this.#sharedWrites.push(entry);
    void entry.settled.then(() => {
      this.#sharedWrites = this.#sharedWrites.filter((w) => w !== entry);
    });
  }

  /** Apply one batch now and handle its outcome (the path of a batch whose ordered write never started). */
  async #applyBatch(batch: Mutation[], done: Pending[], wanted: number[]): Promise<void> {
    let result: ApplyResult | void;
    try {
      result = batch.length > 0 ? await this.#cache.apply(batch, wanted.length > 0 ? { old: wanted } : undefined) : undefined;
    } catch (error) {
      await this.#isolate(batch, done, error);
      return;
    }
    this.#applied(batch, done, result, wanted);
  }

  /** A batch was written: fill its old values, count it and confirm its events. */
  #applied(batch: Mutation[], done: Pending[], result: ApplyResult | void, wanted: number[]): void {
    if (batch.length > 0) {
      if (wanted.length > 0) this.#fillOld(done, result, wanted.length);
      this.#stats.batches++;
      this.#stats.mutations += batch.length;
    }
    for (const { job, old } of done) this.#confirm(job, old);
  }

  /** Hand each pending event its old value(s) from `result` (in the order their indexes were asked for). */
  #fillOld(done: Pending[], result: ApplyResult | void, asked: number): void {
    const values = result?.old;
    if (!values || values.length !== asked) {
      this.#logger.warn(`the cache reports old values (reportsOld) but apply returned ${values?.length ?? 'none'} for ${asked} asked: confirmed handlers get undefined`, {});
      return;
    }
    let at = 0;
    for (const r of done) {
      if (!r.oldAt) continue;
      const mine = values.slice(at, at + r.oldAt.length);
      at += r.oldAt.length;
      r.old = r.oldIsList ? mine.filter((v) => v !== undefined) : mine[0];
    }
  }

  /**
   * A batch failed. When the store itself failed (`BackendError`: unreachable,
   * timed out) every event of the batch failed. Any other error (a `TypeError`
   * or `InvalidDataFound` the backend raised for one event's data) belongs to
   * one event: the events are written again one by one, so a single hostile
   * payload can't take the valid events batched with it down.
   */
  async #isolate(batch: Mutation[], done: Pending[], error: unknown): Promise<void> {
    if (error instanceof BackendError || done.length === 1) {
      this.#failed(
        done.map((r) => r.job),
        error,
      );
      return;
    }
    for (const [i, pending] of done.entries()) {
      const { job, from } = pending;
      const own = batch.slice(from, done[i + 1]?.from ?? batch.length);
      if (own.length > 0) {
        const wanted = pending.oldAt?.map((at) => at - from) ?? [];
        try {
          const result = await this.#cache.apply(own, wanted.length > 0 ? { old: wanted } : undefined);
          if (wanted.length > 0) this.#fillOld([pending], result, wanted.length);
        } catch (cause) {
          this.#failed([job], cause);
          continue;
        }
        this.#stats.batches++;
        this.#stats.mutations += own.length;
      }
      this.#confirm(job, pending.old);
    }
  }

  #confirm(job: Job, old: unknown): void {
    if (job.translator) this.#stats.applied++;
    const d = job.d as Record<string, unknown>;
    if (job.t === GatewayDispatchEvents.GuildCreate && job.guildId !== undefined && d.unavailable !== true) {
      this.#stale.delete(job.guildId);
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
      this.#requests.fail(nonce, new MemberRequestError(`a member chunk of guild ${job.guildId ?? '?'} was malformed: ${error.message}`, job.guildId ?? '', error));
    }
  }

  #failed(jobs: Job[], cause: unknown): void {
    this.#stats.failed += jobs.length;
    const guildIds = new Set<Snowflake>();
    for (const job of jobs) {
      if (job.guildId !== undefined) guildIds.add(job.guildId);
      // READY concerns every guild it lists.
      if (job.t === GatewayDispatchEvents.Ready) {
        const guilds = (job.d as { guilds?: { id?: unknown }[] }).guilds ?? [];
        for (const g of guilds) if (isSnowflake(g?.id)) guildIds.add(g.id);
      }
    }
    for (const id of guildIds) this.#stale.add(id);
    const events = jobs.map((j) => j.t);
    const error = new ListenerWriteError(
      `could not write ${jobs.length} event(s) (${[...new Set(events)].join(', ')}) to the cache: ${cause instanceof Error ? cause.message : String(cause)}`,
      [...guildIds],
      events,
      cause,
    );
    for (const job of jobs) {
      const nonce = (job.d as { nonce?: unknown } | null)?.nonce;
      if (job.t === GatewayDispatchEvents.GuildMembersChunk && typeof nonce === 'string') {
        this.#requests.fail(nonce, new MemberRequestError(`a member chunk of guild ${job.guildId ?? '?'} could not be written: ${error.message}`, job.guildId ?? '', cause));
      }
    }
    this.#dispatcher.error(error);
  }
}
