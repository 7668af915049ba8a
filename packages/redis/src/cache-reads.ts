/**
 * The read half of `RedisCache`: every `get…` and `iter…` of the `RefCache`
 * contract, each a call into resources/ with the open store's context.
 */
import {
  EntryNotFound,
  LazyCacheIterator,
  toInviteCode,
  toSnowflake,
  type CacheIterator,
  type EmojiEntity,
  type GuildChannelEntity,
  type GuildEntity,
  type InviteEntity,
  type MeEntity,
  type MemberEntity,
  type MessageEntity,
  type PresenceEntity,
  type RoleEntity,
  type Snowflakeish,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { isPackableId } from './codec/ids.js';
import type { Ctx } from './context.js';
import { bucketOf } from './keys.js';
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
import { allMemberWindows, countAllMembers, countGuildMembers, guildMemberWindows, iterMembersForUser } from './resources/members.js';
import { countUsers, iterUsers, readMe, readUsers } from './resources/users.js';
import { WindowIterator } from './resources/window-iterator.js';
import type { Session } from './session.js';

/** The reads of `RedisCache` (see the module comment); `RedisCache` adds opening, writes and clears. */
export abstract class RedisCacheReads {
  /** The store this cache reads (its context exists while the cache is open). */
  protected readonly session: Session;

  /** @param session - the store to read */
  protected constructor(session: Session) {
    this.session = session;
  }

  async #get<T>(what: string, read: (ctx: Ctx) => Promise<T | null>): Promise<T> {
    const ctx = this.session.ctx();
    const found = await read(ctx);
    if (found === null) throw new EntryNotFound(`${what} is not cached`);
    return found;
  }

  #iter<T>(source: (ctx: Ctx) => AsyncIterable<T>, count: (ctx: Ctx) => Promise<number>): CacheIterator<T> {
    return new LazyCacheIterator(
      () => source(this.session.ctx()),
      () => count(this.session.ctx()),
    );
  }

  /** {@link #iter} for sources that produce whole windows of entries (see window-iterator.ts). */
  #iterWindows<T>(source: (ctx: Ctx) => AsyncIterable<readonly T[]>, count: (ctx: Ctx) => Promise<number>): CacheIterator<T> {
    return new WindowIterator(
      () => source(this.session.ctx()),
      () => count(this.session.ctx()),
    );
  }

  // ── guilds ────────────────────────────────────────────────────────────
  /** See `GuildCache.getGuild`. */
  async getGuild(guildId: Snowflakeish): Promise<GuildEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#get(`guild ${g}`, (ctx) => readGuild(ctx, g));
  }
  /** See `GuildCache.iterGuilds`. */
  iterGuilds(): CacheIterator<GuildEntity> {
    return this.#iter(iterGuilds, countGuilds);
  }
  // ── channels ──────────────────────────────────────────────────────────
  /** See `GuildChannelCache.getGuildChannel`. */
  async getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity> {
    const c = toSnowflake(channelId, 'channelId');
    return this.#get(`channel ${c}`, (ctx) => readLocated(ctx, 'channel', c));
  }
  /** See `GuildChannelCache.iterGuildChannels`. */
  iterGuildChannels(): CacheIterator<GuildChannelEntity> {
    return this.#iter(
      (ctx) => iterAllChildren(ctx, 'channel'),
      (ctx) => countAllChildren(ctx, 'channel'),
    );
  }
  /** See `RefGuildChannelCache.iterGuildChannelsForGuild`. */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter(
      (ctx) => iterGuildChildren(ctx, 'channel', g),
      (ctx) => countGuildChildren(ctx, 'channel', g),
    );
  }
  // ── emojis ────────────────────────────────────────────────────────────
  /** See `EmojiCache.getEmoji`. */
  async getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity> {
    const e = toSnowflake(emojiId, 'emojiId');
    return this.#get(`emoji ${e}`, (ctx) => readLocated(ctx, 'emoji', e));
  }
  /** See `EmojiCache.iterEmojis`. */
  iterEmojis(): CacheIterator<EmojiEntity> {
    return this.#iter(
      (ctx) => iterAllChildren(ctx, 'emoji'),
      (ctx) => countAllChildren(ctx, 'emoji'),
    );
  }
  /** See `RefEmojiCache.iterEmojisForGuild`. */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter(
      (ctx) => iterGuildChildren(ctx, 'emoji', g),
      (ctx) => countGuildChildren(ctx, 'emoji', g),
    );
  }
  // ── roles ─────────────────────────────────────────────────────────────
  /** See `RoleCache.getRole`. */
  async getRole(roleId: Snowflakeish): Promise<RoleEntity> {
    const r = toSnowflake(roleId, 'roleId');
    return this.#get(`role ${r}`, (ctx) => readLocated(ctx, 'role', r));
  }
  /** See `RoleCache.iterRoles`. */
  iterRoles(): CacheIterator<RoleEntity> {
    return this.#iter(
      (ctx) => iterAllChildren(ctx, 'role'),
      (ctx) => countAllChildren(ctx, 'role'),
    );
  }
  /** See `RefRoleCache.iterRolesForGuild`. */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter(
      (ctx) => iterGuildChildren(ctx, 'role', g),
      (ctx) => countGuildChildren(ctx, 'role', g),
    );
  }
  // ── members ───────────────────────────────────────────────────────────
  /** See `MemberCache.getMember`. */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity> {
    try {
      // A canonical decimal id is what toSnowflake returns unchanged; it checks everything else.
      const g = isPackableId(guildId) ? guildId : toSnowflake(guildId, 'guildId');
      const u = isPackableId(userId) ? userId : toSnowflake(userId, 'userId');
      const ctx = this.session.ctx();
      return ctx.reader.getMember(ctx, g, u);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  /** See `MemberCache.iterMembers`. */
  iterMembers(): CacheIterator<MemberEntity> {
    return this.#iterWindows(allMemberWindows, countAllMembers);
  }
  /** See `RefMemberCache.iterMembersForGuild`. */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iterWindows(
      (ctx) => guildMemberWindows(ctx, g),
      (ctx) => countGuildMembers(ctx, g),
    );
  }
  /** See `RefMemberCache.iterMembersForUser`. */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#iter(
      (ctx) => iterMembersForUser(ctx, u),
      async (ctx) => (await guildsOfUser(ctx, 'member', u)).length,
    );
  }
  // ── presences ─────────────────────────────────────────────────────────
  /** See `PresenceCache.getPresence`. */
  async getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity> {
    const g = toSnowflake(guildId, 'guildId');
    const u = toSnowflake(userId, 'userId');
    return this.#get(`presence of user ${u} in guild ${g}`, (ctx) => readGuildChild(ctx, 'presence', g, u));
  }
  /** See `PresenceCache.iterPresences`. */
  iterPresences(): CacheIterator<PresenceEntity> {
    return this.#iter(
      (ctx) => iterAllChildren(ctx, 'presence'),
      (ctx) => countAllChildren(ctx, 'presence'),
    );
  }
  /** See `RefPresenceCache.iterPresencesForGuild`. */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter(
      (ctx) => iterGuildChildren(ctx, 'presence', g),
      (ctx) => countGuildChildren(ctx, 'presence', g),
    );
  }
  /** See `RefPresenceCache.iterPresencesForUser`. */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#iter(
      (ctx) => iterPresencesForUser(ctx, u),
      async (ctx) => (await guildsOfUser(ctx, 'presence', u)).length,
    );
  }
  // ── voice states ──────────────────────────────────────────────────────
  /** See `VoiceStateCache.getVoiceState`. */
  async getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity> {
    const g = toSnowflake(guildId, 'guildId');
    const u = toSnowflake(userId, 'userId');
    return this.#get(`voice state of user ${u} in guild ${g}`, (ctx) => readGuildChild(ctx, 'voiceState', g, u));
  }
  /** See `VoiceStateCache.iterVoiceStates`. */
  iterVoiceStates(): CacheIterator<VoiceStateEntity> {
    return this.#iter(
      (ctx) => iterAllChildren(ctx, 'voiceState'),
      (ctx) => countAllChildren(ctx, 'voiceState'),
    );
  }
  /** See `RefVoiceStateCache.iterVoiceStatesForGuild`. */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    const g = toSnowflake(guildId, 'guildId');
    return this.#iter(
      (ctx) => iterGuildChildren(ctx, 'voiceState', g),
      (ctx) => countGuildChildren(ctx, 'voiceState', g),
    );
  }
  /** See `RefVoiceStateCache.iterVoiceStatesForChannel`. */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    const c = toSnowflake(channelId, 'channelId');
    return this.#iter(
      (ctx) => iterVoiceStatesForChannel(ctx, c),
      (ctx) => ctx.conn.run('SCARD', (client) => client.scard(ctx.keys.voiceInChannel(c)), ctx.keys.voiceInChannel(c)),
    );
  }
  // ── messages ──────────────────────────────────────────────────────────
  /** See `MessageCache.getMessage`. */
  async getMessage(messageId: Snowflakeish): Promise<MessageEntity> {
    const m = toSnowflake(messageId, 'messageId');
    return this.#get(`message ${m}`, (ctx) => readExpiring(ctx, 'message', m));
  }
  /** See `MessageCache.iterMessages`. */
  iterMessages(): CacheIterator<MessageEntity> {
    return this.#iter(
      (ctx) => iterIndex(ctx, 'message', ctx.keys.allMessages),
      (ctx) => countIndex(ctx, ctx.keys.allMessages),
    );
  }
  /** See `RefMessageCache.iterMessagesForGuild`. */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity> {
    const key = this.session.keys.messagesByGuild(toSnowflake(guildId, 'guildId'));
    return this.#iter(
      (ctx) => iterIndex(ctx, 'message', key),
      (ctx) => countIndex(ctx, key),
    );
  }
  /** See `RefMessageCache.iterMessagesForChannel`. */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity> {
    const key = this.session.keys.messagesByChannel(toSnowflake(channelId, 'channelId'));
    return this.#iter(
      (ctx) => iterIndex(ctx, 'message', key),
      (ctx) => countIndex(ctx, key),
    );
  }
  /** See `RefMessageCache.iterMessagesForAuthor`. */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity> {
    const a = toSnowflake(authorId, 'authorId');
    const key = (ctx: Ctx): string => ctx.keys.messagesByAuthor(bucketOf(a, ctx.userBuckets), a);
    return this.#iter(
      (ctx) => iterIndex(ctx, 'message', key(ctx)),
      (ctx) => countIndex(ctx, key(ctx)),
    );
  }
  // ── invites ───────────────────────────────────────────────────────────
  /** See `InviteCache.getInvite`. */
  async getInvite(code: string): Promise<InviteEntity> {
    const c = toInviteCode(code);
    return this.#get(`invite ${c}`, (ctx) => readExpiring(ctx, 'invite', c));
  }
  /** See `InviteCache.iterInvites`. */
  iterInvites(): CacheIterator<InviteEntity> {
    return this.#iter(
      (ctx) => iterIndex(ctx, 'invite', ctx.keys.allInvites),
      (ctx) => countIndex(ctx, ctx.keys.allInvites),
    );
  }
  /** See `RefInviteCache.iterInvitesForGuild`. */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity> {
    const key = this.session.keys.invitesByGuild(toSnowflake(guildId, 'guildId'));
    return this.#iter(
      (ctx) => iterIndex(ctx, 'invite', key),
      (ctx) => countIndex(ctx, key),
    );
  }
  /** See `RefInviteCache.iterInvitesForChannel`. */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity> {
    const key = this.session.keys.invitesByChannel(toSnowflake(channelId, 'channelId'));
    return this.#iter(
      (ctx) => iterIndex(ctx, 'invite', key),
      (ctx) => countIndex(ctx, key),
    );
  }
  // ── users and me ──────────────────────────────────────────────────────
  /** See `UserCache.getUser`. */
  async getUser(userId: Snowflakeish): Promise<UserEntity> {
    const u = toSnowflake(userId, 'userId');
    return this.#get(`user ${u}`, async (ctx) => (await readUsers(ctx, [u]))[0] ?? null);
  }
  /** See `UserCache.iterUsers`. */
  iterUsers(): CacheIterator<UserEntity> {
    return this.#iter(iterUsers, countUsers);
  }
  /** See `MeCache.getMe`. */
  async getMe(): Promise<MeEntity> {
    return this.#get('the bot user (me)', readMe);
  }
}
