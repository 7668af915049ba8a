/**
 * MemoryCache's reads and single-entry deletes: every resource's get, iterate,
 * count and clear over the in-memory state, one line each over four helpers.
 * The lifecycle and `apply` are in memory-cache.ts.
 */
import {
  ClosedClient,
  EntryNotFound,
  toInviteCode,
  toSnowflake,
  type CacheIterator,
  type EmojiEntity,
  type EntityMap,
  type GuildChannelEntity,
  type GuildEntity,
  type InviteEntity,
  type MeEntity,
  type MemberEntity,
  type MessageEntity,
  type PresenceEntity,
  type ResourceName,
  type RoleEntity,
  type Snowflakeish,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';
import { ME_KEY, type MemoryState } from './state.js';
import { SyncSourceIterator } from './sync-iterator.js';

/** The read and delete half of `MemoryCache` (see the module comment). */
export abstract class MemoryCacheAccess {
  #alive = false;
  /** The cache's entries and indexes. */
  protected readonly state: MemoryState;

  /** @param state - the entries and indexes this cache reads */
  protected constructor(state: MemoryState) {
    this.state = state;
  }

  /** Whether the cache is open. */
  get isAlive(): boolean {
    return this.#alive;
  }

  /** Open or close the cache (what `open()` and `close()` do). */
  protected setAlive(alive: boolean): void {
    this.#alive = alive;
  }

  /** Throw `ClosedClient` unless the cache is open. */
  protected assertAlive(): void {
    if (!this.#alive) throw new ClosedClient('MemoryCache is closed');
  }

  async #get<R extends ResourceName>(resource: R, key: string): Promise<EntityMap[R]> {
    this.assertAlive();
    const stored = this.state.store(resource).get(key);
    if (stored === undefined) throw new EntryNotFound(`${resource} ${key} is not cached`);
    return this.state.read(resource, stored);
  }

  async #del(resource: ResourceName, key: string): Promise<void> {
    this.assertAlive();
    this.state.delete(resource, key);
  }

  #iter<R extends ResourceName>(resource: R, scope?: string, parent?: string): CacheIterator<EntityMap[R]> {
    const store = this.state.store(resource);
    const keys = (): string[] => (scope === undefined ? store.keys() : store.keysFor(scope, parent!));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a generator function cannot be an arrow; it reads the cache through `self`
    const self = this;
    return new SyncSourceIterator<EntityMap[R]>(
      function* () {
        self.assertAlive();
        for (const key of keys()) {
          // Checked per entry: a close() between two entries of a `for await` ends the iteration.
          self.assertAlive();
          const stored = store.get(key);
          if (stored !== undefined) yield self.state.read(resource, stored);
        }
      },
      () => {
        this.assertAlive();
        let count = 0;
        for (const key of keys()) if (store.get(key) !== undefined) count++;
        return count;
      },
    );
  }

  async #clear(resource: ResourceName, scope?: string, parent?: string): Promise<void> {
    this.assertAlive();
    const store = this.state.store(resource);
    const keys = scope === undefined ? store.keys() : store.keysFor(scope, parent!);
    for (const key of keys) this.state.delete(resource, key);
  }

  /** {@inheritDoc @sake/abc#GuildCache.getGuild} */
  getGuild(guildId: Snowflakeish): Promise<GuildEntity> {
    return this.#get('guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#GuildCache.deleteGuild} */
  deleteGuild(guildId: Snowflakeish): Promise<void> {
    return this.#del('guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#GuildCache.iterGuilds} */
  iterGuilds(): CacheIterator<GuildEntity> {
    return this.#iter('guild');
  }
  /** {@inheritDoc @sake/abc#GuildCache.clearGuilds} */
  clearGuilds(): Promise<void> {
    return this.#clear('guild');
  }

  /** {@inheritDoc @sake/abc#GuildChannelCache.getGuildChannel} */
  getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity> {
    return this.#get('channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.deleteGuildChannel} */
  deleteGuildChannel(channelId: Snowflakeish): Promise<void> {
    return this.#del('channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.iterGuildChannels} */
  iterGuildChannels(): CacheIterator<GuildChannelEntity> {
    return this.#iter('channel');
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.clearGuildChannels} */
  clearGuildChannels(): Promise<void> {
    return this.#clear('channel');
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.iterGuildChannelsForGuild} */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity> {
    return this.#iter('channel', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.clearGuildChannelsForGuild} */
  clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('channel', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#EmojiCache.getEmoji} */
  getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity> {
    return this.#get('emoji', toSnowflake(emojiId, 'emojiId'));
  }
  /** {@inheritDoc @sake/abc#EmojiCache.deleteEmoji} */
  deleteEmoji(emojiId: Snowflakeish): Promise<void> {
    return this.#del('emoji', toSnowflake(emojiId, 'emojiId'));
  }
  /** {@inheritDoc @sake/abc#EmojiCache.iterEmojis} */
  iterEmojis(): CacheIterator<EmojiEntity> {
    return this.#iter('emoji');
  }
  /** {@inheritDoc @sake/abc#EmojiCache.clearEmojis} */
  clearEmojis(): Promise<void> {
    return this.#clear('emoji');
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.iterEmojisForGuild} */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity> {
    return this.#iter('emoji', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.clearEmojisForGuild} */
  clearEmojisForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('emoji', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#RoleCache.getRole} */
  getRole(roleId: Snowflakeish): Promise<RoleEntity> {
    return this.#get('role', toSnowflake(roleId, 'roleId'));
  }
  /** {@inheritDoc @sake/abc#RoleCache.deleteRole} */
  deleteRole(roleId: Snowflakeish): Promise<void> {
    return this.#del('role', toSnowflake(roleId, 'roleId'));
  }
  /** {@inheritDoc @sake/abc#RoleCache.iterRoles} */
  iterRoles(): CacheIterator<RoleEntity> {
    return this.#iter('role');
  }
  /** {@inheritDoc @sake/abc#RoleCache.clearRoles} */
  clearRoles(): Promise<void> {
    return this.#clear('role');
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.iterRolesForGuild} */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity> {
    return this.#iter('role', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.clearRolesForGuild} */
  clearRolesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('role', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#MemberCache.getMember} */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity> {
    return this.#get('member', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#MemberCache.deleteMember} */
  deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('member', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#MemberCache.iterMembers} */
  iterMembers(): CacheIterator<MemberEntity> {
    return this.#iter('member');
  }
  /** {@inheritDoc @sake/abc#MemberCache.clearMembers} */
  clearMembers(): Promise<void> {
    return this.#clear('member');
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForGuild} */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.#iter('member', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForGuild} */
  clearMembersForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('member', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForUser} */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.#iter('member', 'user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForUser} */
  clearMembersForUser(userId: Snowflakeish): Promise<void> {
    return this.#clear('member', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#PresenceCache.getPresence} */
  getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity> {
    return this.#get('presence', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#PresenceCache.deletePresence} */
  deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('presence', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#PresenceCache.iterPresences} */
  iterPresences(): CacheIterator<PresenceEntity> {
    return this.#iter('presence');
  }
  /** {@inheritDoc @sake/abc#PresenceCache.clearPresences} */
  clearPresences(): Promise<void> {
    return this.#clear('presence');
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForGuild} */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.#iter('presence', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForGuild} */
  clearPresencesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('presence', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForUser} */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.#iter('presence', 'user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForUser} */
  clearPresencesForUser(userId: Snowflakeish): Promise<void> {
    return this.#clear('presence', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#VoiceStateCache.getVoiceState} */
  getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity> {
    return this.#get('voiceState', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.deleteVoiceState} */
  deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.#del('voiceState', `${toSnowflake(guildId, 'guildId')}/${toSnowflake(userId, 'userId')}`);
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.iterVoiceStates} */
  iterVoiceStates(): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState');
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.clearVoiceStates} */
  clearVoiceStates(): Promise<void> {
    return this.#clear('voiceState');
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForGuild} */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForGuild} */
  clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('voiceState', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForChannel} */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.#iter('voiceState', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForChannel} */
  clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('voiceState', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#MessageCache.getMessage} */
  getMessage(messageId: Snowflakeish): Promise<MessageEntity> {
    return this.#get('message', toSnowflake(messageId, 'messageId'));
  }
  /** {@inheritDoc @sake/abc#MessageCache.deleteMessage} */
  deleteMessage(messageId: Snowflakeish): Promise<void> {
    return this.#del('message', toSnowflake(messageId, 'messageId'));
  }
  /** {@inheritDoc @sake/abc#MessageCache.iterMessages} */
  iterMessages(): CacheIterator<MessageEntity> {
    return this.#iter('message');
  }
  /** {@inheritDoc @sake/abc#MessageCache.clearMessages} */
  clearMessages(): Promise<void> {
    return this.#clear('message');
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForGuild} */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForGuild} */
  clearMessagesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForChannel} */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForChannel} */
  clearMessagesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForAuthor} */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.#iter('message', 'author', toSnowflake(authorId, 'authorId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForAuthor} */
  clearMessagesForAuthor(authorId: Snowflakeish): Promise<void> {
    return this.#clear('message', 'author', toSnowflake(authorId, 'authorId'));
  }

  /** {@inheritDoc @sake/abc#InviteCache.getInvite} */
  getInvite(code: string): Promise<InviteEntity> {
    return this.#get('invite', toInviteCode(code));
  }
  /** {@inheritDoc @sake/abc#InviteCache.deleteInvite} */
  deleteInvite(code: string): Promise<void> {
    return this.#del('invite', toInviteCode(code));
  }
  /** {@inheritDoc @sake/abc#InviteCache.iterInvites} */
  iterInvites(): CacheIterator<InviteEntity> {
    return this.#iter('invite');
  }
  /** {@inheritDoc @sake/abc#InviteCache.clearInvites} */
  clearInvites(): Promise<void> {
    return this.#clear('invite');
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForGuild} */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.#iter('invite', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForGuild} */
  clearInvitesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.#clear('invite', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForChannel} */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.#iter('invite', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForChannel} */
  clearInvitesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.#clear('invite', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#UserCache.getUser} */
  getUser(userId: Snowflakeish): Promise<UserEntity> {
    return this.#get('user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#UserCache.deleteUser} */
  deleteUser(userId: Snowflakeish): Promise<void> {
    return this.#del('user', toSnowflake(userId, 'userId'));
  }
  /** {@inheritDoc @sake/abc#UserCache.iterUsers} */
  iterUsers(): CacheIterator<UserEntity> {
    return this.#iter('user');
  }
  /** {@inheritDoc @sake/abc#UserCache.clearUsers} */
  clearUsers(): Promise<void> {
    return this.#clear('user');
  }

  /** {@inheritDoc @sake/abc#MeCache.getMe} */
  getMe(): Promise<MeEntity> {
    return this.#get('me', ME_KEY);
  }
  /** {@inheritDoc @sake/abc#MeCache.deleteMe} */
  deleteMe(): Promise<void> {
    return this.#del('me', ME_KEY);
  }
}
