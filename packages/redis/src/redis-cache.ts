/**
 * `RedisCache`: the sake standard on Redis (single node, Sentinel or Cluster,
 * one code path). Reads go through resources/, writes through apply.ts; the
 * key layout is in keys.ts and README.md.
 */
import {
  checkApplyAfter,
  BackendError,
  ClosedClient,
  EntryNotFound,
  LazyCacheIterator,
  mutation,
  toInviteCode,
  toSnowflake,
  type ApplyOptions,
  type ApplyResult,
  type Backend,
  type CacheIterator,
  type EmojiEntity,
  type GuildChannelEntity,
  type GuildEntity,
  type InviteEntity,
  type MeEntity,
  type MemberEntity,
  type MessageEntity,
  type Mutation,
  type PresenceEntity,
  type RoleEntity,
  type Snowflakeish,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { applyBatch, applyChecked, checkBatch, checkOldIndexes } from './apply.js';
import { runUserScripts } from './apply/user-scripts.js';
import { Connection, createClient, toCacheError, withDeadline, type Client } from './connection.js';
import type { Ctx } from './context.js';
import { checkLayout, reassertLayout } from './layout.js';
import { clusterReader } from './readers/cluster.js';
import { SingleNodeReader } from './readers/single-node.js';
import { bucketOf, Keys } from './keys.js';
import { resolveOptions, type RedisCacheOptions, type RedisTarget, type ResolvedOptions } from './options.js';
import {
  countAllChildren,
  countGuildChildren,
  guildsOfUser,
  iterAllChildren,
  iterGuildChildren,
  iterPresencesForUser,
  iterVoiceStatesForChannel,
  readGuildChild,
  readLocated,
} from './resources/children.js';
import { countIndex, iterIndex, readExpiring } from './resources/expiring.js';
import { countGuilds, iterGuilds, readGuild } from './resources/guilds.js';
import { RoleDictionaries } from './resources/roles.js';
import { GuildRefs } from './resources/guild-refs.js';
import { allMemberWindows, countAllMembers, countGuildMembers, guildMemberWindows, iterMembersForUser } from './resources/members.js';
import { isPackableId } from './codec/ids.js';
import { WindowIterator } from './resources/window-iterator.js';
import { countUsers, iterUsers, readMe, readUsers } from './resources/users.js';

/** How many mutations a clear… applies per batch. */
const CLEAR_WINDOW = 256;

/**
 * A sake cache in Redis. Implements every read of `RefCache` and the
 * `CacheWriter` write contract.
 *
 * @example
 * ```ts
 * const cache = new RedisCache('redis://localhost:6379', { prefix: 'mybot:' });
 * await cache.open();
 * const member = await cache.getMember(guildId, userId);
 * ```
 */
export class RedisCache implements Backend {
  readonly #options: ResolvedOptions;
  readonly #keys: Keys;
  readonly #conn: Connection;
  #ctx: Ctx | undefined;
  #opening: Promise<void> | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  /** Why the store's layout record no longer matches this cache (see {@link reassertLayout}), or undefined. */
  #layoutConflict: string | undefined;
  /** Re-records the layout whenever the client (re)connects after open(). */
  readonly #onReady = (): void => this.#reassertLayout();
  /** The store epoch this cache knows (see `LayoutInfo.epoch`). */
  #epoch: string | undefined;
  readonly #resetHandlers = new Set<(reason: string) => void>();

  /**
   * @param target - a `redis://`/`rediss://` URL, ioredis options, `{ clusterNodes, clusterOptions }`,
   *   or an existing ioredis `Redis`/`Cluster` client (left connected by `close()`)
   * @param options - see {@link RedisCacheOptions}
   */
  constructor(target: RedisTarget, options: RedisCacheOptions = {}) {
    this.#options = resolveOptions(options);
    this.#keys = new Keys(this.#options.prefix);
    const { client, owned } = createClient(target, this.#options);
    // An adopted client may keep ioredis' default error logging; ours are silent (errors surface as BackendError).
    if (owned) client.on('error', () => {});
    this.#conn = new Connection(client, owned, this.#options.commandTimeoutMs);
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.#ctx !== undefined && this.#conn.isOpen;
  }

  /** The key prefix of this cache. */
  get prefix(): string {
    return this.#keys.prefix;
  }

  /** The ioredis client (for diagnostics; writing under the prefix yourself voids the layout's guarantees). */
  get client(): Client {
    return this.#conn.client;
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
    const o = this.#options;
    await this.#conn.open(o.connectTimeoutMs);
    try {
      const layout = await withDeadline(
        checkLayout(this.#conn, this.#keys, { userBuckets: o.userBuckets }),
        o.connectTimeoutMs,
        'layout check',
      );
      this.#ctx = {
        conn: this.#conn,
        keys: this.#keys,
        userBuckets: layout.userBuckets,
        memberBucketHint: new Map(),
        userTtlMs: o.userTtlMs,
        // Chosen once: the reads that depend on the topology (readers/).
        reader: this.#conn.isCluster ? clusterReader : new SingleNodeReader(this.#conn, this.#keys),
        roles: new RoleDictionaries(this.#conn, this.#keys),
        guildRefs: new GuildRefs(this.#conn, this.#keys, layout.guildRefWidth),
      };
      this.#layoutConflict = undefined;
      this.#epoch = layout.epoch;
      // Redis may come back empty after a restart, layout record included: re-record it on every
      // reconnect, before the writes that follow (commands on one connection run in order), so a
      // process opening the store later reads it with the bucket count its data was written with.
      this.#conn.client.on('ready', this.#onReady);
    } catch (err) {
      await this.#conn.close();
      throw toCacheError(err, 'open');
    }
    if (o.sweepIntervalMs > 0 && o.userTtlMs > 0) {
      this.#sweepTimer = setInterval(() => {
        this.sweepOrphanUsers().catch((err: unknown) => o.logger?.warn(`orphan user sweep failed: ${(err as Error).message}`));
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
    this.#conn.client.off('ready', this.#onReady);
    await this.#conn.close();
  }

  /** The open cache's context, or `ClosedClient` (before open() completes and after close()). */
  #c(): Ctx {
    if (!this.#ctx || !this.#conn.isOpen) throw new ClosedClient();
    if (this.#layoutConflict !== undefined) throw new BackendError(this.#layoutConflict);
    return this.#ctx;
  }

  #reassertLayout(): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    const expected = { userBuckets: ctx.userBuckets, guildRefWidth: ctx.guildRefs.width, ...(this.#epoch === undefined ? {} : { epoch: this.#epoch }) };
    withDeadline(reassertLayout(this.#conn, this.#keys, expected), this.#options.commandTimeoutMs, 'layout').then(
      ({ conflict, reset, epoch }) => {
        if (this.#ctx !== ctx) return;
        if (conflict !== null) {
          this.#layoutConflict = conflict;
          this.#options.logger?.warn(conflict);
          return;
        }
        if (reset === null) return;
        this.#epoch = epoch;
        ctx.memberBucketHint.clear();
        ctx.roles.clear();
        ctx.guildRefs.clear();
        this.#options.logger?.warn(reset);
        for (const handler of this.#resetHandlers) {
          try {
            handler(reset);
          } catch (err) {
            this.#options.logger?.warn(`a store reset handler threw: ${(err as Error).message}`);
          }
        }
      },
      // Lost again before it went through: the next 'ready' retries.
      (err: unknown) => this.#options.logger?.warn(`could not re-record the key layout after a reconnect: ${(err as Error).message}`),
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

  async #get<T>(what: string, read: (ctx: Ctx) => Promise<T | null>): Promise<T> {
    const ctx = this.#c();
    const found = await read(ctx);
    if (found === null) throw new EntryNotFound(`${what} is not cached`);
    return found;
  }

  #iter<T>(source: (ctx: Ctx) => AsyncIterable<T>, count: (ctx: Ctx) => Promise<number>): CacheIterator<T> {
    return new LazyCacheIterator(
      () => source(this.#c()),
      () => count(this.#c()),
    );
  }

  /** {@link #iter} for sources that produce whole windows of entries (see window-iterator.ts). */
  #iterWindows<T>(source: (ctx: Ctx) => AsyncIterable<readonly T[]>, count: (ctx: Ctx) => Promise<number>): CacheIterator<T> {
    return new WindowIterator(
      () => source(this.#c()),
      () => count(this.#c()),
    );
  }

  /** `apply` reports old values (`ApplyOptions.old`), read in the same pre-read wave as the batch's own reads. */
  readonly reportsOld = true;

  /** `apply` honours `ApplyOptions.after`: a batch handed over early is planned and encoded while the one before it is written. */
  readonly honoursAfter = true;

  /**
   * Apply a batch of mutations (see apply.ts); per-guild ops of the batch are atomic. With
   * `options.old`, resolves with the listed entries as they were just before their mutation; with
   * `options.after`, writes (and reads) nothing before it settles, and nothing if it rejects.
   */
  async apply(batch: readonly Mutation[], options?: ApplyOptions): Promise<ApplyResult | void> {
    // Malformed ids (and old indexes, and options) are a TypeError before anything else, even on a closed cache.
    const checked = checkBatch(batch);
    const old = options?.old === undefined ? undefined : checkOldIndexes(checked, options.old);
    const after = checkApplyAfter(options?.after);
    const ctx = this.#c();
    if (old === undefined) {
      await applyChecked(ctx, checked, undefined, after);
      return;
    }
    return { old: (await applyChecked(ctx, checked, old, after))! };
  }

  async #applyWindows(windows: AsyncIterable<string[]>, toMutation: (id: string) => Mutation): Promise<void> {
    const ctx = this.#c();
    for await (const ids of windows) {
      for (let i = 0; i < ids.length; i += CLEAR_WINDOW) await applyBatch(ctx, ids.slice(i, i + CLEAR_WINDOW).map(toMutation));
    }
  }

  async *#rawSet(key: string): AsyncGenerator<string[]> {
    const ctx = this.#c();
    let cursor = '0';
    do {
      const [next, members] = await ctx.conn.run('SSCAN', (c) => c.sscan(key, cursor, 'COUNT', 512), key);
      cursor = next;
      if (members.length > 0) yield members;
    } while (cursor !== '0');
  }

  async *#rawIndex(key: string): AsyncGenerator<string[]> {
    const ctx = this.#c();
    let cursor = '0';
    do {
      const [next, flat] = await ctx.conn.run('ZSCAN', (c) => c.zscan(key, cursor, 'COUNT', 512), key);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }

  #clearInEveryGuild(resource: 'channel' | 'role' | 'emoji' | 'member' | 'presence' | 'voiceState'): Promise<void> {
    return this.#applyWindows(this.#rawSet(this.#keys.guildSlots), (g) => mutation.clearFor(resource, 'guild', g));
  }

  /**
   * Delete users whose orphan deadline has passed, in every bucket (also done
   * in the background every `sweepIntervalMs`, and a little on every write).
   * Resolves with the number deleted.
   */
  async sweepOrphanUsers(): Promise<number> {
    const ctx = this.#c();
    return ctx.conn.run('sweep', () => runUserScripts(ctx, Array.from({ length: ctx.userBuckets }, (_, b) => [b, ['SWEEP', '0']] as const), Date.now()));
  }

  // ── guilds ────────────────────────────────────────────────────────────
  /** See `GuildCache.getGuild`. */
  async getGuild(guildId: Snowflakeish): Promise<GuildEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#get(`guild ${g}`, (ctx) => readGuild(ctx, g));
  }
  /** See `GuildCache.deleteGuild`. */
  async deleteGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('guild', { guildId: toSnowflake(guildId, 'guildId') })]);
  }
  /** See `GuildCache.iterGuilds`. */
  iterGuilds(): CacheIterator<GuildEntity> {
    return this.#iter(iterGuilds, countGuilds);
  }
  /** See `GuildCache.clearGuilds`. */
  async clearGuilds(): Promise<void> {
    await this.#applyWindows(this.#rawSet(this.#keys.guilds), (g) => mutation.delete('guild', { guildId: g }));
  }

  // ── channels ──────────────────────────────────────────────────────────
  /** See `GuildChannelCache.getGuildChannel`. */
  async getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity> {
    const c = toSnowflake(channelId, 'channelId');
    return this.#get(`channel ${c}`, (ctx) => readLocated(ctx, 'channel', c));
  }
  /** See `GuildChannelCache.deleteGuildChannel`. */
  async deleteGuildChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('channel', { channelId: toSnowflake(channelId, 'channelId') })]);
  }
  /** See `GuildChannelCache.iterGuildChannels`. */
  iterGuildChannels(): CacheIterator<GuildChannelEntity> {
    return this.#iter((ctx) => iterAllChildren(ctx, 'channel'), (ctx) => countAllChildren(ctx, 'channel'));
  }
  /** See `GuildChannelCache.clearGuildChannels`. */
  clearGuildChannels(): Promise<void> {
    return this.#clearInEveryGuild('channel');
  }
  /** See `RefGuildChannelCache.iterGuildChannelsForGuild`. */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter((ctx) => iterGuildChildren(ctx, 'channel', g), (ctx) => countGuildChildren(ctx, 'channel', g));
  }
  /** See `RefGuildChannelCache.clearGuildChannelsForGuild`. */
  async clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('channel', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── emojis ────────────────────────────────────────────────────────────
  /** See `EmojiCache.getEmoji`. */
  async getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity> {
    const e = toSnowflake(emojiId, 'emojiId');
    return this.#get(`emoji ${e}`, (ctx) => readLocated(ctx, 'emoji', e));
  }
  /** See `EmojiCache.deleteEmoji`. */
  async deleteEmoji(emojiId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('emoji', { emojiId: toSnowflake(emojiId, 'emojiId') })]);
  }
  /** See `EmojiCache.iterEmojis`. */
  iterEmojis(): CacheIterator<EmojiEntity> {
    return this.#iter((ctx) => iterAllChildren(ctx, 'emoji'), (ctx) => countAllChildren(ctx, 'emoji'));
  }
  /** See `EmojiCache.clearEmojis`. */
  clearEmojis(): Promise<void> {
    return this.#clearInEveryGuild('emoji');
  }
  /** See `RefEmojiCache.iterEmojisForGuild`. */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter((ctx) => iterGuildChildren(ctx, 'emoji', g), (ctx) => countGuildChildren(ctx, 'emoji', g));
  }
  /** See `RefEmojiCache.clearEmojisForGuild`. */
  async clearEmojisForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('emoji', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── roles ─────────────────────────────────────────────────────────────
  /** See `RoleCache.getRole`. */
  async getRole(roleId: Snowflakeish): Promise<RoleEntity> {
    const r = toSnowflake(roleId, 'roleId');
    return this.#get(`role ${r}`, (ctx) => readLocated(ctx, 'role', r));
  }
  /** See `RoleCache.deleteRole`. */
  async deleteRole(roleId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('role', { roleId: toSnowflake(roleId, 'roleId') })]);
  }
  /** See `RoleCache.iterRoles`. */
  iterRoles(): CacheIterator<RoleEntity> {
    return this.#iter((ctx) => iterAllChildren(ctx, 'role'), (ctx) => countAllChildren(ctx, 'role'));
  }
  /** See `RoleCache.clearRoles`. */
  clearRoles(): Promise<void> {
    return this.#clearInEveryGuild('role');
  }
  /** See `RefRoleCache.iterRolesForGuild`. */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter((ctx) => iterGuildChildren(ctx, 'role', g), (ctx) => countGuildChildren(ctx, 'role', g));
  }
  /** See `RefRoleCache.clearRolesForGuild`. */
  async clearRolesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('role', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── members ───────────────────────────────────────────────────────────
  /** See `MemberCache.getMember`. */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity> {
    try {
      // A canonical decimal id is what toSnowflake returns unchanged; it checks everything else.
      const g = isPackableId(guildId) ? guildId : toSnowflake(guildId, 'guildId');
      const u = isPackableId(userId) ? userId : toSnowflake(userId, 'userId');
      const ctx = this.#c();
      return ctx.reader.getMember(ctx, g, u);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  /** See `MemberCache.deleteMember`. */
  async deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('member', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `MemberCache.iterMembers`. */
  iterMembers(): CacheIterator<MemberEntity> {
    return this.#iterWindows(allMemberWindows, countAllMembers);
  }
  /** See `MemberCache.clearMembers`. */
  clearMembers(): Promise<void> {
    return this.#clearInEveryGuild('member');
  }
  /** See `RefMemberCache.iterMembersForGuild`. */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iterWindows((ctx) => guildMemberWindows(ctx, g), (ctx) => countGuildMembers(ctx, g));
  }
  /** See `RefMemberCache.clearMembersForGuild`. */
  async clearMembersForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('member', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefMemberCache.iterMembersForUser`. */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#iter((ctx) => iterMembersForUser(ctx, u), async (ctx) => (await guildsOfUser(ctx, 'member', u)).length);
  }
  /** See `RefMemberCache.clearMembersForUser`. */
  async clearMembersForUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('member', 'user', toSnowflake(userId, 'userId'))]);
  }

  // ── presences ─────────────────────────────────────────────────────────
  /** See `PresenceCache.getPresence`. */
  async getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity> {
    const g = toSnowflake(guildId, 'guildId');
    const u = toSnowflake(userId, 'userId');
    return this.#get(`presence of user ${u} in guild ${g}`, (ctx) => readGuildChild(ctx, 'presence', g, u));
  }
  /** See `PresenceCache.deletePresence`. */
  async deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('presence', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `PresenceCache.iterPresences`. */
  iterPresences(): CacheIterator<PresenceEntity> {
    return this.#iter((ctx) => iterAllChildren(ctx, 'presence'), (ctx) => countAllChildren(ctx, 'presence'));
  }
  /** See `PresenceCache.clearPresences`. */
  clearPresences(): Promise<void> {
    return this.#clearInEveryGuild('presence');
  }
  /** See `RefPresenceCache.iterPresencesForGuild`. */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter((ctx) => iterGuildChildren(ctx, 'presence', g), (ctx) => countGuildChildren(ctx, 'presence', g));
  }
  /** See `RefPresenceCache.clearPresencesForGuild`. */
  async clearPresencesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('presence', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefPresenceCache.iterPresencesForUser`. */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#iter((ctx) => iterPresencesForUser(ctx, u), async (ctx) => (await guildsOfUser(ctx, 'presence', u)).length);
  }
  /** See `RefPresenceCache.clearPresencesForUser`. */
  async clearPresencesForUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('presence', 'user', toSnowflake(userId, 'userId'))]);
  }

  // ── voice states ──────────────────────────────────────────────────────
  /** See `VoiceStateCache.getVoiceState`. */
  async getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity> {
    const g = toSnowflake(guildId, 'guildId');
    const u = toSnowflake(userId, 'userId');
    return this.#get(`voice state of user ${u} in guild ${g}`, (ctx) => readGuildChild(ctx, 'voiceState', g, u));
  }
  /** See `VoiceStateCache.deleteVoiceState`. */
  async deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('voiceState', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `VoiceStateCache.iterVoiceStates`. */
  iterVoiceStates(): CacheIterator<VoiceStateEntity> {
    return this.#iter((ctx) => iterAllChildren(ctx, 'voiceState'), (ctx) => countAllChildren(ctx, 'voiceState'));
  }
  /** See `VoiceStateCache.clearVoiceStates`. */
  clearVoiceStates(): Promise<void> {
    return this.#clearInEveryGuild('voiceState');
  }
  /** See `RefVoiceStateCache.iterVoiceStatesForGuild`. */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter((ctx) => iterGuildChildren(ctx, 'voiceState', g), (ctx) => countGuildChildren(ctx, 'voiceState', g));
  }
  /** See `RefVoiceStateCache.clearVoiceStatesForGuild`. */
  async clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('voiceState', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefVoiceStateCache.iterVoiceStatesForChannel`. */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    const c = toSnowflake(channelId, 'channelId');
    return this.#iter(
      (ctx) => iterVoiceStatesForChannel(ctx, c),
      (ctx) => ctx.conn.run('SCARD', (client) => client.scard(ctx.keys.voiceInChannel(c)), ctx.keys.voiceInChannel(c)),
    );
  }
  /** See `RefVoiceStateCache.clearVoiceStatesForChannel`. */
  async clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('voiceState', 'channel', toSnowflake(channelId, 'channelId'))]);
  }

  // ── messages ──────────────────────────────────────────────────────────
  /** See `MessageCache.getMessage`. */
  async getMessage(messageId: Snowflakeish): Promise<MessageEntity> {
    const m = toSnowflake(messageId, 'messageId');
    return this.#get(`message ${m}`, (ctx) => readExpiring(ctx, 'message', m));
  }
  /** See `MessageCache.deleteMessage`. */
  async deleteMessage(messageId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('message', { messageId: toSnowflake(messageId, 'messageId') })]);
  }
  /** See `MessageCache.iterMessages`. */
  iterMessages(): CacheIterator<MessageEntity> {
    return this.#iter((ctx) => iterIndex(ctx, 'message', ctx.keys.allMessages), (ctx) => countIndex(ctx, ctx.keys.allMessages));
  }
  /** See `MessageCache.clearMessages`. */
  async clearMessages(): Promise<void> {
    await this.#applyWindows(this.#rawIndex(this.#keys.allMessages), (m) => mutation.delete('message', { messageId: m }));
  }
  /** See `RefMessageCache.iterMessagesForGuild`. */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity> {
    const key = this.#keys.messagesByGuild(toSnowflake(guildId, 'guildId'));
    return this.#iter((ctx) => iterIndex(ctx, 'message', key), (ctx) => countIndex(ctx, key));
  }
  /** See `RefMessageCache.clearMessagesForGuild`. */
  async clearMessagesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefMessageCache.iterMessagesForChannel`. */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity> {
    const key = this.#keys.messagesByChannel(toSnowflake(channelId, 'channelId'));
    return this.#iter((ctx) => iterIndex(ctx, 'message', key), (ctx) => countIndex(ctx, key));
  }
  /** See `RefMessageCache.clearMessagesForChannel`. */
  async clearMessagesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'channel', toSnowflake(channelId, 'channelId'))]);
  }
  /** See `RefMessageCache.iterMessagesForAuthor`. */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity> {
    const a = toSnowflake(authorId, 'authorId');
    const key = (ctx: Ctx): string => ctx.keys.messagesByAuthor(bucketOf(a, ctx.userBuckets), a);
    return this.#iter((ctx) => iterIndex(ctx, 'message', key(ctx)), (ctx) => countIndex(ctx, key(ctx)));
  }
  /** See `RefMessageCache.clearMessagesForAuthor`. */
  async clearMessagesForAuthor(authorId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'author', toSnowflake(authorId, 'authorId'))]);
  }

  // ── invites ───────────────────────────────────────────────────────────
  /** See `InviteCache.getInvite`. */
  async getInvite(code: string): Promise<InviteEntity> {
    const c = toInviteCode(code);
    return this.#get(`invite ${c}`, (ctx) => readExpiring(ctx, 'invite', c));
  }
  /** See `InviteCache.deleteInvite`. */
  async deleteInvite(code: string): Promise<void> {
    await this.apply([mutation.delete('invite', { code: toInviteCode(code) })]);
  }
  /** See `InviteCache.iterInvites`. */
  iterInvites(): CacheIterator<InviteEntity> {
    return this.#iter((ctx) => iterIndex(ctx, 'invite', ctx.keys.allInvites), (ctx) => countIndex(ctx, ctx.keys.allInvites));
  }
  /** See `InviteCache.clearInvites`. */
  async clearInvites(): Promise<void> {
    await this.#applyWindows(this.#rawIndex(this.#keys.allInvites), (c) => mutation.delete('invite', { code: c }));
  }
  /** See `RefInviteCache.iterInvitesForGuild`. */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity> {
    const key = this.#keys.invitesByGuild(toSnowflake(guildId, 'guildId'));
    return this.#iter((ctx) => iterIndex(ctx, 'invite', key), (ctx) => countIndex(ctx, key));
  }
  /** See `RefInviteCache.clearInvitesForGuild`. */
  async clearInvitesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('invite', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefInviteCache.iterInvitesForChannel`. */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity> {
    const key = this.#keys.invitesByChannel(toSnowflake(channelId, 'channelId'));
    return this.#iter((ctx) => iterIndex(ctx, 'invite', key), (ctx) => countIndex(ctx, key));
  }
  /** See `RefInviteCache.clearInvitesForChannel`. */
  async clearInvitesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('invite', 'channel', toSnowflake(channelId, 'channelId'))]);
  }

  // ── users and me ──────────────────────────────────────────────────────
  /** See `UserCache.getUser`. */
  async getUser(userId: Snowflakeish): Promise<UserEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#get(`user ${u}`, async (ctx) => (await readUsers(ctx, [u]))[0] ?? null);
  }
  /** See `UserCache.deleteUser`. */
  async deleteUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('user', { userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `UserCache.iterUsers`. */
  iterUsers(): CacheIterator<UserEntity> {
    return this.#iter(iterUsers, countUsers);
  }
  /** See `UserCache.clearUsers`. */
  async clearUsers(): Promise<void> {
    const ctx = this.#c();
    await ctx.conn.run('clearUsers', () => runUserScripts(ctx, Array.from({ length: ctx.userBuckets }, (_, b) => [b, ['UX', '0']] as const), Date.now()));
  }
  /** See `MeCache.getMe`. */
  async getMe(): Promise<MeEntity> {
    return this.#get('the bot user (me)', readMe);
  }
  /** See `MeCache.deleteMe`. */
  async deleteMe(): Promise<void> {
    await this.apply([mutation.delete('me', {})]);
  }
}
