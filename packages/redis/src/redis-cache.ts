/**
 * `RedisCache`: the sake standard on Redis (single node, Sentinel or Cluster).
 * Reads are in cache-reads.ts (through resources/ and the topology reader of
 * readers/), writes go through apply.ts, the store's lifecycle is session.ts;
 * the key layout is in keys.ts and README.md.
 */
import {
  checkApplyAfter,
  mutation,
  toInviteCode,
  toSnowflake,
  type ApplyOptions,
  type ApplyResult,
  type Backend,
  type Mutation,
  type Snowflakeish,
} from '@sake/abc';
import { applyBatch, applyChecked, checkBatch, checkOldIndexes } from './apply.js';
import { RedisCacheReads } from './cache-reads.js';
import type { Client } from './connection.js';
import type { RedisCacheOptions, RedisTarget } from './options.js';
import { Session } from './session.js';

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
export class RedisCache extends RedisCacheReads implements Backend {
  /**
   * @param target - a `redis://`/`rediss://` URL, ioredis options, `{ clusterNodes, clusterOptions }`,
   *   or an existing ioredis `Redis`/`Cluster` client (left connected by `close()`)
   * @param options - see {@link RedisCacheOptions}
   */
  constructor(target: RedisTarget, options: RedisCacheOptions = {}) {
    super(new Session(target, options));
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.session.isAlive;
  }

  /** The key prefix of this cache. */
  get prefix(): string {
    return this.session.keys.prefix;
  }

  /** The ioredis client (for diagnostics; writing under the prefix yourself voids the layout's guarantees). */
  get client(): Client {
    return this.session.conn.client;
  }

  /** Connect and check the key layout (see layout.ts). Idempotent. */
  open(): Promise<void> {
    return this.session.open();
  }

  /** Disconnect (an adopted client stays connected). Idempotent; stored data is kept. */
  close(): Promise<void> {
    return this.session.close();
  }

  /**
   * Call `handler` when this cache finds, on a reconnect, that its store was re-created (Redis came
   * back empty: the layout record is missing or carries another epoch). What was cached is gone;
   * `GatewayListener` resynchronises on it. Returns a function that unsubscribes.
   */
  onStoreReset(handler: (reason: string) => void): () => void {
    return this.session.onStoreReset(handler);
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
    const ctx = this.session.ctx();
    if (old === undefined) {
      await applyChecked(ctx, checked, undefined, after);
      return;
    }
    return { old: (await applyChecked(ctx, checked, old, after))! };
  }

  async #applyWindows(windows: AsyncIterable<string[]>, toMutation: (id: string) => Mutation): Promise<void> {
    const ctx = this.session.ctx();
    for await (const ids of windows) {
      for (let i = 0; i < ids.length; i += CLEAR_WINDOW) await applyBatch(ctx, ids.slice(i, i + CLEAR_WINDOW).map(toMutation));
    }
  }

  async *#rawSet(key: string): AsyncGenerator<string[]> {
    const ctx = this.session.ctx();
    let cursor = '0';
    do {
      const [next, members] = await ctx.conn.run('SSCAN', (c) => c.sscan(key, cursor, 'COUNT', 512), key);
      cursor = next;
      if (members.length > 0) yield members;
    } while (cursor !== '0');
  }

  async *#rawIndex(key: string): AsyncGenerator<string[]> {
    const ctx = this.session.ctx();
    let cursor = '0';
    do {
      const [next, flat] = await ctx.conn.run('ZSCAN', (c) => c.zscan(key, cursor, 'COUNT', 512), key);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }

  #clearInEveryGuild(resource: 'channel' | 'role' | 'emoji' | 'member' | 'presence' | 'voiceState'): Promise<void> {
    return this.#applyWindows(this.#rawSet(this.session.keys.guildSlots), (g) => mutation.clearFor(resource, 'guild', g));
  }

  /**
   * Delete users whose orphan deadline has passed, in every bucket (also done
   * in the background every `sweepIntervalMs`, and a little on every write).
   * Resolves with the number deleted.
   */
  sweepOrphanUsers(): Promise<number> {
    return this.session.sweep();
  }

  // ── guilds ────────────────────────────────────────────────────────────
  /** See `GuildCache.deleteGuild`. */
  async deleteGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('guild', { guildId: toSnowflake(guildId, 'guildId') })]);
  }
  /** See `GuildCache.clearGuilds`. */
  async clearGuilds(): Promise<void> {
    await this.#applyWindows(this.#rawSet(this.session.keys.guilds), (g) => mutation.delete('guild', { guildId: g }));
  }

  // ── channels ──────────────────────────────────────────────────────────
  /** See `GuildChannelCache.deleteGuildChannel`. */
  async deleteGuildChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('channel', { channelId: toSnowflake(channelId, 'channelId') })]);
  }
  /** See `GuildChannelCache.clearGuildChannels`. */
  clearGuildChannels(): Promise<void> {
    return this.#clearInEveryGuild('channel');
  }
  /** See `RefGuildChannelCache.clearGuildChannelsForGuild`. */
  async clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('channel', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── emojis ────────────────────────────────────────────────────────────
  /** See `EmojiCache.deleteEmoji`. */
  async deleteEmoji(emojiId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('emoji', { emojiId: toSnowflake(emojiId, 'emojiId') })]);
  }
  /** See `EmojiCache.clearEmojis`. */
  clearEmojis(): Promise<void> {
    return this.#clearInEveryGuild('emoji');
  }
  /** See `RefEmojiCache.clearEmojisForGuild`. */
  async clearEmojisForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('emoji', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── roles ─────────────────────────────────────────────────────────────
  /** See `RoleCache.deleteRole`. */
  async deleteRole(roleId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('role', { roleId: toSnowflake(roleId, 'roleId') })]);
  }
  /** See `RoleCache.clearRoles`. */
  clearRoles(): Promise<void> {
    return this.#clearInEveryGuild('role');
  }
  /** See `RefRoleCache.clearRolesForGuild`. */
  async clearRolesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('role', 'guild', toSnowflake(guildId, 'guildId'))]);
  }

  // ── members ───────────────────────────────────────────────────────────
  /** See `MemberCache.deleteMember`. */
  async deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('member', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `MemberCache.clearMembers`. */
  clearMembers(): Promise<void> {
    return this.#clearInEveryGuild('member');
  }
  /** See `RefMemberCache.clearMembersForGuild`. */
  async clearMembersForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('member', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefMemberCache.clearMembersForUser`. */
  async clearMembersForUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('member', 'user', toSnowflake(userId, 'userId'))]);
  }

  // ── presences ─────────────────────────────────────────────────────────
  /** See `PresenceCache.deletePresence`. */
  async deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('presence', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `PresenceCache.clearPresences`. */
  clearPresences(): Promise<void> {
    return this.#clearInEveryGuild('presence');
  }
  /** See `RefPresenceCache.clearPresencesForGuild`. */
  async clearPresencesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('presence', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefPresenceCache.clearPresencesForUser`. */
  async clearPresencesForUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('presence', 'user', toSnowflake(userId, 'userId'))]);
  }

  // ── voice states ──────────────────────────────────────────────────────
  /** See `VoiceStateCache.deleteVoiceState`. */
  async deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('voiceState', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `VoiceStateCache.clearVoiceStates`. */
  clearVoiceStates(): Promise<void> {
    return this.#clearInEveryGuild('voiceState');
  }
  /** See `RefVoiceStateCache.clearVoiceStatesForGuild`. */
  async clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('voiceState', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefVoiceStateCache.clearVoiceStatesForChannel`. */
  async clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('voiceState', 'channel', toSnowflake(channelId, 'channelId'))]);
  }

  // ── messages ──────────────────────────────────────────────────────────
  /** See `MessageCache.deleteMessage`. */
  async deleteMessage(messageId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('message', { messageId: toSnowflake(messageId, 'messageId') })]);
  }
  /** See `MessageCache.clearMessages`. */
  async clearMessages(): Promise<void> {
    await this.#applyWindows(this.#rawIndex(this.session.keys.allMessages), (m) => mutation.delete('message', { messageId: m }));
  }
  /** See `RefMessageCache.clearMessagesForGuild`. */
  async clearMessagesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefMessageCache.clearMessagesForChannel`. */
  async clearMessagesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'channel', toSnowflake(channelId, 'channelId'))]);
  }
  /** See `RefMessageCache.clearMessagesForAuthor`. */
  async clearMessagesForAuthor(authorId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('message', 'author', toSnowflake(authorId, 'authorId'))]);
  }

  // ── invites ───────────────────────────────────────────────────────────
  /** See `InviteCache.deleteInvite`. */
  async deleteInvite(code: string): Promise<void> {
    await this.apply([mutation.delete('invite', { code: toInviteCode(code) })]);
  }
  /** See `InviteCache.clearInvites`. */
  async clearInvites(): Promise<void> {
    await this.#applyWindows(this.#rawIndex(this.session.keys.allInvites), (c) => mutation.delete('invite', { code: c }));
  }
  /** See `RefInviteCache.clearInvitesForGuild`. */
  async clearInvitesForGuild(guildId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('invite', 'guild', toSnowflake(guildId, 'guildId'))]);
  }
  /** See `RefInviteCache.clearInvitesForChannel`. */
  async clearInvitesForChannel(channelId: Snowflakeish): Promise<void> {
    await this.apply([mutation.clearFor('invite', 'channel', toSnowflake(channelId, 'channelId'))]);
  }

  // ── users and me ──────────────────────────────────────────────────────
  /** See `UserCache.deleteUser`. */
  async deleteUser(userId: Snowflakeish): Promise<void> {
    await this.apply([mutation.delete('user', { userId: toSnowflake(userId, 'userId') })]);
  }
  /** See `UserCache.clearUsers`. */
  async clearUsers(): Promise<void> {
    const ctx = this.session.ctx();
    await ctx.conn.run('clearUsers', () =>
      ctx.writer.userOps(
        ctx,
        Array.from({ length: ctx.userBuckets }, (_, b) => [b, ['UX', '0']] as const),
        Date.now(),
      ),
    );
  }
  /** See `MeCache.deleteMe`. */
  async deleteMe(): Promise<void> {
    await this.apply([mutation.delete('me', {})]);
  }
}
