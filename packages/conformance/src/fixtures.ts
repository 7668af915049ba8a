/**
 * Realistic discord-api-types payload builders, already normalised the way a
 * sake cache stores them (children carry `guild_id`, members carry their full
 * `user`). The conformance suite writes these; other packages' tests reuse them.
 *
 * Every builder takes the ids it needs and optional `overrides` that are
 * spread last, so a test states only what it cares about.
 */
import {
  ActivityType,
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  MessageType,
  PresenceUpdateStatus,
} from 'discord-api-types/v10';
import type { APIUser, GuildMemberFlags, MessageFlags, RoleFlags, UserFlags } from 'discord-api-types/v10';
import type {
  EmojiEntity,
  GuildChannelEntity,
  GuildEntity,
  InviteEntity,
  MemberEntity,
  MessageEntity,
  PresenceEntity,
  RoleEntity,
  Snowflake,
  UserEntity,
  VoiceStateEntity,
} from '@sake/abc';

/** Discord's epoch (2015-01-01), used to build snowflakes that decode to real timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** A fixed instant so fixtures are deterministic (2024-05-01T12:00:00Z). */
const BASE_TIME = 1_714_564_800_000n;

/**
 * A generator of distinct, increasing snowflakes (each decodes to a timestamp
 * one millisecond after the previous one), so "newest id" order is creation order.
 *
 * @param offsetMs - start this many milliseconds after the fixed base instant (use
 *   different offsets to get disjoint id ranges in one process)
 */
export function snowflakes(offsetMs = 0): () => Snowflake {
  let ms = BASE_TIME + BigInt(offsetMs) - DISCORD_EPOCH;
  return () => {
    ms += 1n;
    return (ms << 22n).toString();
  };
}

/** An ISO timestamp derived from a snowflake (what Discord puts in `joined_at`, `timestamp`, …). */
export function timestampOf(id: Snowflake): string {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH)).toISOString();
}

/** A user as the gateway sends it. */
export function user(id: Snowflake, overrides: Partial<UserEntity> = {}): UserEntity {
  return {
    id,
    username: `user${id.slice(-6)}`,
    discriminator: '0',
    global_name: `User ${id.slice(-4)}`,
    avatar: null,
    bot: false,
    public_flags: 0 as UserFlags,
    ...overrides,
  };
}

/** A cached guild (a GUILD_CREATE payload without the children that live in their own resources). */
export function guild(id: Snowflake, overrides: Partial<GuildEntity> = {}): GuildEntity {
  return {
    id,
    name: `Guild ${id.slice(-4)}`,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: '80351110224678912',
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.Low,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.AllMembers,
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
    rules_channel_id: null,
    vanity_url_code: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    stickers: [],
    region: 'deprecated',
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    unavailable: false,
    joined_at: timestampOf(id),
    large: false,
    ...overrides,
  };
}

/** A cached guild text channel. */
export function channel(id: Snowflake, guildId: Snowflake, overrides: Partial<GuildChannelEntity> = {}): GuildChannelEntity {
  return {
    id,
    guild_id: guildId,
    type: ChannelType.GuildText,
    name: `general-${id.slice(-4)}`,
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
    flags: 0,
    ...overrides,
  } as GuildChannelEntity;
}

/** A cached guild voice channel. */
export function voiceChannel(id: Snowflake, guildId: Snowflake, overrides: Partial<GuildChannelEntity> = {}): GuildChannelEntity {
  return {
    id,
    guild_id: guildId,
    type: ChannelType.GuildVoice,
    name: `Voice ${id.slice(-4)}`,
    position: 1,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    bitrate: 64_000,
    user_limit: 0,
    rtc_region: null,
    flags: 0,
    ...overrides,
  } as GuildChannelEntity;
}

/** A cached public thread (threads live in the channel resource). */
export function thread(id: Snowflake, guildId: Snowflake, parentId: Snowflake, overrides: Partial<GuildChannelEntity> = {}): GuildChannelEntity {
  return {
    id,
    guild_id: guildId,
    parent_id: parentId,
    type: ChannelType.PublicThread,
    name: `thread ${id.slice(-4)}`,
    owner_id: '80351110224678912',
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: timestampOf(id),
      locked: false,
      create_timestamp: timestampOf(id),
    },
    ...overrides,
  } as GuildChannelEntity;
}

/** A cached role. */
export function role(id: Snowflake, guildId: Snowflake, overrides: Partial<RoleEntity> = {}): RoleEntity {
  return {
    id,
    guild_id: guildId,
    name: `role ${id.slice(-4)}`,
    color: 0x5865f2,
    colors: { primary_color: 0x5865f2, secondary_color: null, tertiary_color: null },
    hoist: false,
    position: 1,
    permissions: '1071698660929',
    managed: false,
    mentionable: true,
    flags: 0 as RoleFlags,
    ...overrides,
  };
}

/** A cached custom emoji. */
export function emoji(id: Snowflake, guildId: Snowflake, overrides: Partial<EmojiEntity> = {}): EmojiEntity {
  return {
    id,
    guild_id: guildId,
    name: `emoji_${id.slice(-4)}`,
    roles: [],
    require_colons: true,
    managed: false,
    animated: false,
    available: true,
    ...overrides,
  };
}

/** A cached member: carries its `guild_id` and the full `user`. */
export function member(guildId: Snowflake, memberUser: UserEntity, overrides: Partial<MemberEntity> = {}): MemberEntity {
  return {
    guild_id: guildId,
    user: memberUser,
    avatar: null,
    banner: null,
    roles: [],
    joined_at: timestampOf(memberUser.id),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    ...overrides,
  };
}

/** A cached presence (carries `guild_id` and `user.id`). */
export function presence(guildId: Snowflake, userId: Snowflake, overrides: Partial<PresenceEntity> = {}): PresenceEntity {
  return {
    guild_id: guildId,
    user: { id: userId },
    status: PresenceUpdateStatus.Online,
    activities: [{ id: 'custom', name: 'Custom Status', type: ActivityType.Custom, state: 'shipping a cache', created_at: 1_714_564_800_000 }],
    ...overrides,
  };
}

/** A cached voice state: `userId` connected to `channelId` in `guildId`. */
export function voiceState(guildId: Snowflake, userId: Snowflake, channelId: Snowflake, overrides: Partial<VoiceStateEntity> = {}): VoiceStateEntity {
  return {
    guild_id: guildId,
    channel_id: channelId,
    user_id: userId,
    session_id: `session${userId.slice(-6)}`,
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
    ...overrides,
  };
}

/** A cached guild message in `channelId` of `guildId`, written by `author`. */
export function message(id: Snowflake, channelId: Snowflake, author: UserEntity, guildId: Snowflake, overrides: Partial<MessageEntity> = {}): MessageEntity {
  return {
    id,
    channel_id: channelId,
    guild_id: guildId,
    author,
    content: `hello from ${author.username}`,
    timestamp: timestampOf(id),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: MessageType.Default,
    flags: 0 as MessageFlags,
    components: [],
    ...overrides,
  };
}

/**
 * A cached invite as INVITE_CREATE delivers it.
 *
 * @param code - invite code (`[A-Za-z0-9_-]`)
 */
export function invite(code: string, channelId: Snowflake, guildId: Snowflake, inviter?: APIUser, overrides: Partial<InviteEntity> = {}): InviteEntity {
  return {
    code,
    channel_id: channelId,
    guild_id: guildId,
    ...(inviter ? { inviter } : {}),
    created_at: '2024-05-01T12:00:00.000Z',
    max_age: 86_400,
    max_uses: 0,
    temporary: false,
    uses: 0,
    expires_at: '2024-05-02T12:00:00.000Z',
    ...overrides,
  };
}

/** An invite code derived from a snowflake (unique per id, valid per `toInviteCode`). */
export function inviteCodeOf(id: Snowflake): string {
  return `inv-${BigInt(id).toString(36)}`;
}

/** The payload builders, as one object (`import { fixtures } from '@sake/conformance'`). */
export const fixtures = {
  snowflakes,
  timestampOf,
  inviteCodeOf,
  user,
  guild,
  channel,
  voiceChannel,
  thread,
  role,
  emoji,
  member,
  presence,
  voiceState,
  message,
  invite,
} as const;
