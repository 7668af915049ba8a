/**
 * Every public read/delete/clear method of the standard, each a one-line
 * delegation to four primitives the cache implements (postgres-cache.ts).
 * Ids are checked here, at the call, before any I/O: a malformed one is a
 * `TypeError` (for iterators too, as the Ref* interfaces say).
 */
import {
  toInviteCode,
  toSnowflake,
  type CacheIterator,
  type MeEntity,
  type ResourceName,
  type Snowflakeish,
  type EmojiEntity,
  type GuildChannelEntity,
  type GuildEntity,
  type InviteEntity,
  type MemberEntity,
  type MessageEntity,
  type PresenceEntity,
  type RoleEntity,
  type UserEntity,
  type VoiceStateEntity,
} from '@sake/abc';

/** The public methods of every resource, on top of four primitives (see the module comment). */
export abstract class ResourceMethods {
  /** One entry by its key fields, or `EntryNotFound`. */
  protected abstract readEntry(resource: ResourceName, key: Record<string, string>): Promise<unknown>;
  /** Remove one entry (absent: resolves). */
  protected abstract deleteEntry(resource: ResourceName, key: Record<string, string>): Promise<void>;
  /** Every entry of a resource, or of one parent. */
  protected abstract iterate(resource: ResourceName, scope?: string, parent?: string): CacheIterator<unknown>;
  /** Remove every entry of a resource, or of one parent. */
  protected abstract clearEntries(resource: ResourceName, scope?: string, parent?: string): Promise<void>;

  /** {@inheritDoc @sake/abc#GuildCache.getGuild} */
  getGuild(guildId: Snowflakeish): Promise<GuildEntity> {
    return this.readEntry('guild', { guildId: toSnowflake(guildId, 'guildId') }) as Promise<GuildEntity>;
  }
  /** {@inheritDoc @sake/abc#GuildCache.deleteGuild} */
  deleteGuild(guildId: Snowflakeish): Promise<void> {
    return this.deleteEntry('guild', { guildId: toSnowflake(guildId, 'guildId') });
  }
  /** {@inheritDoc @sake/abc#GuildCache.iterGuilds} */
  iterGuilds(): CacheIterator<GuildEntity> {
    return this.iterate('guild') as CacheIterator<GuildEntity>;
  }
  /** {@inheritDoc @sake/abc#GuildCache.clearGuilds} */
  clearGuilds(): Promise<void> {
    return this.clearEntries('guild');
  }

  /** {@inheritDoc @sake/abc#GuildChannelCache.getGuildChannel} */
  getGuildChannel(channelId: Snowflakeish): Promise<GuildChannelEntity> {
    return this.readEntry('channel', { channelId: toSnowflake(channelId, 'channelId') }) as Promise<GuildChannelEntity>;
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.deleteGuildChannel} */
  deleteGuildChannel(channelId: Snowflakeish): Promise<void> {
    return this.deleteEntry('channel', { channelId: toSnowflake(channelId, 'channelId') });
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.iterGuildChannels} */
  iterGuildChannels(): CacheIterator<GuildChannelEntity> {
    return this.iterate('channel') as CacheIterator<GuildChannelEntity>;
  }
  /** {@inheritDoc @sake/abc#GuildChannelCache.clearGuildChannels} */
  clearGuildChannels(): Promise<void> {
    return this.clearEntries('channel');
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.iterGuildChannelsForGuild} */
  iterGuildChannelsForGuild(guildId: Snowflakeish): CacheIterator<GuildChannelEntity> {
    return this.iterate('channel', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<GuildChannelEntity>;
  }
  /** {@inheritDoc @sake/abc#RefGuildChannelCache.clearGuildChannelsForGuild} */
  clearGuildChannelsForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('channel', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#EmojiCache.getEmoji} */
  getEmoji(emojiId: Snowflakeish): Promise<EmojiEntity> {
    return this.readEntry('emoji', { emojiId: toSnowflake(emojiId, 'emojiId') }) as Promise<EmojiEntity>;
  }
  /** {@inheritDoc @sake/abc#EmojiCache.deleteEmoji} */
  deleteEmoji(emojiId: Snowflakeish): Promise<void> {
    return this.deleteEntry('emoji', { emojiId: toSnowflake(emojiId, 'emojiId') });
  }
  /** {@inheritDoc @sake/abc#EmojiCache.iterEmojis} */
  iterEmojis(): CacheIterator<EmojiEntity> {
    return this.iterate('emoji') as CacheIterator<EmojiEntity>;
  }
  /** {@inheritDoc @sake/abc#EmojiCache.clearEmojis} */
  clearEmojis(): Promise<void> {
    return this.clearEntries('emoji');
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.iterEmojisForGuild} */
  iterEmojisForGuild(guildId: Snowflakeish): CacheIterator<EmojiEntity> {
    return this.iterate('emoji', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<EmojiEntity>;
  }
  /** {@inheritDoc @sake/abc#RefEmojiCache.clearEmojisForGuild} */
  clearEmojisForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('emoji', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#RoleCache.getRole} */
  getRole(roleId: Snowflakeish): Promise<RoleEntity> {
    return this.readEntry('role', { roleId: toSnowflake(roleId, 'roleId') }) as Promise<RoleEntity>;
  }
  /** {@inheritDoc @sake/abc#RoleCache.deleteRole} */
  deleteRole(roleId: Snowflakeish): Promise<void> {
    return this.deleteEntry('role', { roleId: toSnowflake(roleId, 'roleId') });
  }
  /** {@inheritDoc @sake/abc#RoleCache.iterRoles} */
  iterRoles(): CacheIterator<RoleEntity> {
    return this.iterate('role') as CacheIterator<RoleEntity>;
  }
  /** {@inheritDoc @sake/abc#RoleCache.clearRoles} */
  clearRoles(): Promise<void> {
    return this.clearEntries('role');
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.iterRolesForGuild} */
  iterRolesForGuild(guildId: Snowflakeish): CacheIterator<RoleEntity> {
    return this.iterate('role', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<RoleEntity>;
  }
  /** {@inheritDoc @sake/abc#RefRoleCache.clearRolesForGuild} */
  clearRolesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('role', 'guild', toSnowflake(guildId, 'guildId'));
  }

  /** {@inheritDoc @sake/abc#MemberCache.getMember} */
  getMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<MemberEntity> {
    return this.readEntry('member', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') }) as Promise<MemberEntity>;
  }
  /** {@inheritDoc @sake/abc#MemberCache.deleteMember} */
  deleteMember(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.deleteEntry('member', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') });
  }
  /** {@inheritDoc @sake/abc#MemberCache.iterMembers} */
  iterMembers(): CacheIterator<MemberEntity> {
    return this.iterate('member') as CacheIterator<MemberEntity>;
  }
  /** {@inheritDoc @sake/abc#MemberCache.clearMembers} */
  clearMembers(): Promise<void> {
    return this.clearEntries('member');
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForGuild} */
  iterMembersForGuild(guildId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.iterate('member', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<MemberEntity>;
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForGuild} */
  clearMembersForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('member', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.iterMembersForUser} */
  iterMembersForUser(userId: Snowflakeish): CacheIterator<MemberEntity> {
    return this.iterate('member', 'user', toSnowflake(userId, 'userId')) as CacheIterator<MemberEntity>;
  }
  /** {@inheritDoc @sake/abc#RefMemberCache.clearMembersForUser} */
  clearMembersForUser(userId: Snowflakeish): Promise<void> {
    return this.clearEntries('member', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#PresenceCache.getPresence} */
  getPresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<PresenceEntity> {
    return this.readEntry('presence', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') }) as Promise<PresenceEntity>;
  }
  /** {@inheritDoc @sake/abc#PresenceCache.deletePresence} */
  deletePresence(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.deleteEntry('presence', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') });
  }
  /** {@inheritDoc @sake/abc#PresenceCache.iterPresences} */
  iterPresences(): CacheIterator<PresenceEntity> {
    return this.iterate('presence') as CacheIterator<PresenceEntity>;
  }
  /** {@inheritDoc @sake/abc#PresenceCache.clearPresences} */
  clearPresences(): Promise<void> {
    return this.clearEntries('presence');
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForGuild} */
  iterPresencesForGuild(guildId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.iterate('presence', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<PresenceEntity>;
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForGuild} */
  clearPresencesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('presence', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.iterPresencesForUser} */
  iterPresencesForUser(userId: Snowflakeish): CacheIterator<PresenceEntity> {
    return this.iterate('presence', 'user', toSnowflake(userId, 'userId')) as CacheIterator<PresenceEntity>;
  }
  /** {@inheritDoc @sake/abc#RefPresenceCache.clearPresencesForUser} */
  clearPresencesForUser(userId: Snowflakeish): Promise<void> {
    return this.clearEntries('presence', 'user', toSnowflake(userId, 'userId'));
  }

  /** {@inheritDoc @sake/abc#VoiceStateCache.getVoiceState} */
  getVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<VoiceStateEntity> {
    return this.readEntry('voiceState', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') }) as Promise<VoiceStateEntity>;
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.deleteVoiceState} */
  deleteVoiceState(guildId: Snowflakeish, userId: Snowflakeish): Promise<void> {
    return this.deleteEntry('voiceState', { guildId: toSnowflake(guildId, 'guildId'), userId: toSnowflake(userId, 'userId') });
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.iterVoiceStates} */
  iterVoiceStates(): CacheIterator<VoiceStateEntity> {
    return this.iterate('voiceState') as CacheIterator<VoiceStateEntity>;
  }
  /** {@inheritDoc @sake/abc#VoiceStateCache.clearVoiceStates} */
  clearVoiceStates(): Promise<void> {
    return this.clearEntries('voiceState');
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForGuild} */
  iterVoiceStatesForGuild(guildId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.iterate('voiceState', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<VoiceStateEntity>;
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForGuild} */
  clearVoiceStatesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('voiceState', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.iterVoiceStatesForChannel} */
  iterVoiceStatesForChannel(channelId: Snowflakeish): CacheIterator<VoiceStateEntity> {
    return this.iterate('voiceState', 'channel', toSnowflake(channelId, 'channelId')) as CacheIterator<VoiceStateEntity>;
  }
  /** {@inheritDoc @sake/abc#RefVoiceStateCache.clearVoiceStatesForChannel} */
  clearVoiceStatesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.clearEntries('voiceState', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#MessageCache.getMessage} */
  getMessage(messageId: Snowflakeish): Promise<MessageEntity> {
    return this.readEntry('message', { messageId: toSnowflake(messageId, 'messageId') }) as Promise<MessageEntity>;
  }
  /** {@inheritDoc @sake/abc#MessageCache.deleteMessage} */
  deleteMessage(messageId: Snowflakeish): Promise<void> {
    return this.deleteEntry('message', { messageId: toSnowflake(messageId, 'messageId') });
  }
  /** {@inheritDoc @sake/abc#MessageCache.iterMessages} */
  iterMessages(): CacheIterator<MessageEntity> {
    return this.iterate('message') as CacheIterator<MessageEntity>;
  }
  /** {@inheritDoc @sake/abc#MessageCache.clearMessages} */
  clearMessages(): Promise<void> {
    return this.clearEntries('message');
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForGuild} */
  iterMessagesForGuild(guildId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.iterate('message', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<MessageEntity>;
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForGuild} */
  clearMessagesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('message', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForChannel} */
  iterMessagesForChannel(channelId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.iterate('message', 'channel', toSnowflake(channelId, 'channelId')) as CacheIterator<MessageEntity>;
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForChannel} */
  clearMessagesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.clearEntries('message', 'channel', toSnowflake(channelId, 'channelId'));
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.iterMessagesForAuthor} */
  iterMessagesForAuthor(authorId: Snowflakeish): CacheIterator<MessageEntity> {
    return this.iterate('message', 'author', toSnowflake(authorId, 'authorId')) as CacheIterator<MessageEntity>;
  }
  /** {@inheritDoc @sake/abc#RefMessageCache.clearMessagesForAuthor} */
  clearMessagesForAuthor(authorId: Snowflakeish): Promise<void> {
    return this.clearEntries('message', 'author', toSnowflake(authorId, 'authorId'));
  }

  /** {@inheritDoc @sake/abc#InviteCache.getInvite} */
  getInvite(code: string): Promise<InviteEntity> {
    return this.readEntry('invite', { code: toInviteCode(code, 'code') }) as Promise<InviteEntity>;
  }
  /** {@inheritDoc @sake/abc#InviteCache.deleteInvite} */
  deleteInvite(code: string): Promise<void> {
    return this.deleteEntry('invite', { code: toInviteCode(code, 'code') });
  }
  /** {@inheritDoc @sake/abc#InviteCache.iterInvites} */
  iterInvites(): CacheIterator<InviteEntity> {
    return this.iterate('invite') as CacheIterator<InviteEntity>;
  }
  /** {@inheritDoc @sake/abc#InviteCache.clearInvites} */
  clearInvites(): Promise<void> {
    return this.clearEntries('invite');
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForGuild} */
  iterInvitesForGuild(guildId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.iterate('invite', 'guild', toSnowflake(guildId, 'guildId')) as CacheIterator<InviteEntity>;
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForGuild} */
  clearInvitesForGuild(guildId: Snowflakeish): Promise<void> {
    return this.clearEntries('invite', 'guild', toSnowflake(guildId, 'guildId'));
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.iterInvitesForChannel} */
  iterInvitesForChannel(channelId: Snowflakeish): CacheIterator<InviteEntity> {
    return this.iterate('invite', 'channel', toSnowflake(channelId, 'channelId')) as CacheIterator<InviteEntity>;
  }
  /** {@inheritDoc @sake/abc#RefInviteCache.clearInvitesForChannel} */
  clearInvitesForChannel(channelId: Snowflakeish): Promise<void> {
    return this.clearEntries('invite', 'channel', toSnowflake(channelId, 'channelId'));
  }

  /** {@inheritDoc @sake/abc#UserCache.getUser} */
  getUser(userId: Snowflakeish): Promise<UserEntity> {
    return this.readEntry('user', { userId: toSnowflake(userId, 'userId') }) as Promise<UserEntity>;
  }
  /** {@inheritDoc @sake/abc#UserCache.deleteUser} */
  deleteUser(userId: Snowflakeish): Promise<void> {
    return this.deleteEntry('user', { userId: toSnowflake(userId, 'userId') });
  }
  /** {@inheritDoc @sake/abc#UserCache.iterUsers} */
  iterUsers(): CacheIterator<UserEntity> {
    return this.iterate('user') as CacheIterator<UserEntity>;
  }
  /** {@inheritDoc @sake/abc#UserCache.clearUsers} */
  clearUsers(): Promise<void> {
    return this.clearEntries('user');
  }

  /** {@inheritDoc @sake/abc#MeCache.getMe} */
  getMe(): Promise<MeEntity> {
    return this.readEntry('me', {}) as Promise<MeEntity>;
  }
  /** {@inheritDoc @sake/abc#MeCache.deleteMe} */
  deleteMe(): Promise<void> {
    return this.deleteEntry('me', {});
  }
}
