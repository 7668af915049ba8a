/**
 * Builders of single, realistic discord-api-types payloads. Every builder
 * draws from the caller's {@link Random} and {@link SnowflakeClock}, so the
 * same seed always gives the same objects.
 */
import {
  ActivityType,
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildFeature,
  GuildHubType,
  GuildMemberFlags,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
  MessageType,
  OverwriteType,
  PresenceUpdateStatus,
  ThreadAutoArchiveDuration,
  UserFlags,
  type APIEmbed,
  type APIEmoji,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APIUser,
  type APIVoiceState,
  type GatewayActivity,
  type GatewayInviteCreateDispatchData,
  type GatewayPresenceUpdate,
} from 'discord-api-types/v10';
import type { Random, SnowflakeClock } from '../random.js';

/** A guild's own fields: what GUILD_CREATE carries besides its children. */
export type GuildBase = {
  id: string;
  name: string;
  icon: string | null;
  splash: string | null;
  discovery_splash: string | null;
  owner_id: string;
  afk_channel_id: string | null;
  afk_timeout: 300;
  verification_level: GuildVerificationLevel;
  default_message_notifications: GuildDefaultMessageNotifications;
  explicit_content_filter: GuildExplicitContentFilter;
  features: GuildFeature[];
  mfa_level: GuildMFALevel;
  application_id: string | null;
  system_channel_id: string | null;
  system_channel_flags: GuildSystemChannelFlags;
  rules_channel_id: string | null;
  vanity_url_code: string | null;
  description: string | null;
  banner: string | null;
  premium_tier: GuildPremiumTier;
  premium_subscription_count: number;
  preferred_locale: Locale;
  public_updates_channel_id: string | null;
  nsfw_level: GuildNSFWLevel;
  premium_progress_bar_enabled: boolean;
  hub_type: GuildHubType | null;
  safety_alerts_channel_id: string | null;
  incidents_data: null;
  stickers: [];
};

/** A guild text, voice or category channel as the simulator builds it. */
export type SimChannel = {
  id: string;
  type: ChannelType.GuildText | ChannelType.GuildVoice | ChannelType.GuildCategory;
  guild_id: string;
  name: string;
  position: number;
  permission_overwrites: { id: string; type: OverwriteType; allow: string; deny: string }[];
  parent_id: string | null;
  nsfw: boolean;
  flags: number;
  topic?: string | null;
  last_message_id?: string | null;
  last_pin_timestamp?: string | null;
  rate_limit_per_user?: number;
  bitrate?: number;
  user_limit?: number;
  rtc_region?: string | null;
};

/** A public thread as the simulator builds it. */
export type SimThread = {
  id: string;
  type: ChannelType.PublicThread;
  guild_id: string;
  parent_id: string;
  name: string;
  owner_id: string;
  last_message_id: string | null;
  message_count: number;
  member_count: number;
  rate_limit_per_user: number;
  flags: number;
  total_message_sent: number;
  thread_metadata: { archived: boolean; auto_archive_duration: ThreadAutoArchiveDuration; archive_timestamp: string; locked: boolean };
};

/** A member without its user (the world keeps users once, shared by every guild). */
export type SimMember = Omit<APIGuildMember, 'user'> & { userId: string };

const NAMES = ['sakura', 'mochi', 'kitsune', 'tanuki', 'ramen', 'onsen', 'matcha', 'yuzu', 'koi', 'tofu', 'shiba', 'umami'];
const STATUSES = [PresenceUpdateStatus.Online, PresenceUpdateStatus.Idle, PresenceUpdateStatus.DoNotDisturb, PresenceUpdateStatus.Offline] as const;
const USER_FLAGS = [
  0,
  UserFlags.HypeSquadOnlineHouse1,
  UserFlags.HypeSquadOnlineHouse2,
  UserFlags.HypeSquadOnlineHouse3,
  UserFlags.ActiveDeveloper,
  UserFlags.PremiumEarlySupporter,
];

/** A plausible display name. */
export function buildName(random: Random): string {
  return `${random.pick(NAMES)}_${random.word(random.int(2, 6))}${random.chance(0.4) ? random.int(1, 999) : ''}`;
}

/** A user with an avatar (most of the time), public flags and a global name. */
export function buildUser(random: Random, clock: SnowflakeClock, bot = false): APIUser {
  const username = buildName(random);
  return {
    id: clock.next(),
    username,
    global_name: random.chance(0.7) ? username.replace(/_/g, ' ') : null,
    discriminator: '0',
    avatar: random.chance(0.85) ? random.hex(32) : null,
    public_flags: random.pick(USER_FLAGS),
    flags: 0 as UserFlags,
    bot,
    banner: null,
    accent_color: random.chance(0.2) ? random.int(0, 0xffffff) : null,
  };
}

/** A guild's own fields (children are built separately). */
export function buildGuildBase(random: Random, clock: SnowflakeClock, ownerId: string): GuildBase {
  return {
    id: clock.next(),
    name: `${random.pick(NAMES)} ${random.word(5)}`,
    icon: random.chance(0.8) ? random.hex(32) : null,
    splash: null,
    discovery_splash: null,
    owner_id: ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.Low,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.AllMembers,
    features: random.chance(0.3) ? [GuildFeature.Community, GuildFeature.News] : [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    vanity_url_code: null,
    description: random.chance(0.5) ? `a server about ${random.pick(NAMES)}` : null,
    banner: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: random.int(0, 20),
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    hub_type: null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    stickers: [],
  };
}

/** A role. The `@everyone` role has the guild's id (pass it as `id`). */
export function buildRole(random: Random, clock: SnowflakeClock, position: number, id?: string): APIRole {
  const color = position === 0 ? 0 : random.int(0, 0xffffff);
  return {
    id: id ?? clock.next(),
    name: position === 0 ? '@everyone' : `${random.pick(NAMES)}-${random.word(4)}`,
    color,
    colors: { primary_color: color, secondary_color: null, tertiary_color: null },
    hoist: random.chance(0.3),
    icon: null,
    unicode_emoji: null,
    position,
    permissions: String(random.int(0, 2 ** 30)),
    managed: false,
    mentionable: random.chance(0.5),
    flags: 0 as APIRole['flags'],
  };
}

/** A channel of the given type (text channels get a topic). */
export function buildChannel(
  random: Random,
  clock: SnowflakeClock,
  guildId: string,
  type: SimChannel['type'],
  position: number,
  parentId: string | null,
): SimChannel {
  const base: SimChannel = {
    id: clock.next(),
    type,
    guild_id: guildId,
    name: `${random.pick(NAMES)}-${random.word(random.int(3, 8))}`,
    position,
    permission_overwrites: random.chance(0.3) ? [{ id: guildId, type: OverwriteType.Role, allow: '0', deny: '1024' }] : [],
    parent_id: parentId,
    nsfw: false,
    flags: 0,
  };
  if (type === ChannelType.GuildText) {
    base.topic = random.chance(0.6) ? `talk about ${random.pick(NAMES)}` : null;
    base.last_message_id = null;
    base.rate_limit_per_user = 0;
  } else if (type === ChannelType.GuildVoice) {
    base.bitrate = 64_000;
    base.user_limit = random.pick([0, 5, 10, 99]);
    base.rtc_region = null;
  }
  return base;
}

/** A public thread under `parentId`. */
export function buildThread(random: Random, clock: SnowflakeClock, guildId: string, parentId: string, ownerId: string): SimThread {
  return {
    id: clock.next(),
    type: ChannelType.PublicThread,
    guild_id: guildId,
    parent_id: parentId,
    name: `thread ${random.word(6)}`,
    owner_id: ownerId,
    last_message_id: null,
    message_count: 0,
    member_count: 1,
    rate_limit_per_user: 0,
    flags: 0,
    total_message_sent: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
      archive_timestamp: clock.iso(),
      locked: false,
    },
  };
}

/** A custom emoji. */
export function buildEmoji(random: Random, clock: SnowflakeClock): APIEmoji & { id: string } {
  return {
    id: clock.next(),
    name: `${random.pick(NAMES)}${random.word(3)}`,
    roles: [],
    require_colons: true,
    managed: false,
    animated: random.chance(0.2),
    available: true,
  };
}

/** A member of a guild with 0–`maxRoles` of `roleIds`, sometimes a nickname, sometimes boosting. */
export function buildMember(random: Random, clock: SnowflakeClock, userId: string, roleIds: readonly string[], maxRoles = 10): SimMember {
  return {
    userId,
    nick: random.chance(0.3) ? buildName(random) : null,
    avatar: random.chance(0.05) ? random.hex(32) : null,
    roles: random.sample(roleIds, random.int(0, Math.min(maxRoles, roleIds.length))),
    joined_at: clock.iso(-random.int(0, 3e10)),
    premium_since: random.chance(0.05) ? clock.iso(-random.int(0, 3e9)) : null,
    deaf: false,
    mute: false,
    flags: (random.chance(0.1) ? GuildMemberFlags.CompletedOnboarding : 0) as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/** A presence (status, a game or custom status activity, client status). */
export function buildPresence(random: Random, clock: SnowflakeClock, guildId: string, userId: string): GatewayPresenceUpdate {
  const status = random.pick(STATUSES);
  const activities: GatewayActivity[] =
    status === PresenceUpdateStatus.Offline || random.chance(0.5)
      ? []
      : [{ id: random.hex(16), name: random.pick(['Minecraft', 'Osu!', 'Visual Studio Code', 'Spotify']), type: ActivityType.Playing, created_at: clock.now }];
  return {
    user: { id: userId },
    guild_id: guildId,
    status,
    activities,
    client_status: status === PresenceUpdateStatus.Offline ? {} : { [random.pick(['desktop', 'mobile', 'web'] as const)]: status },
  };
}

/** A voice state of `userId` in `channelId`. */
export function buildVoiceState(random: Random, guildId: string, channelId: string, userId: string): APIVoiceState & { guild_id: string } {
  return {
    guild_id: guildId,
    channel_id: channelId,
    user_id: userId,
    session_id: random.hex(32),
    deaf: false,
    mute: false,
    self_deaf: random.chance(0.2),
    self_mute: random.chance(0.4),
    self_video: random.chance(0.05),
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

/** A message by `author` with text, sometimes mentions and an embed. */
export function buildMessage(
  random: Random,
  clock: SnowflakeClock,
  channelId: string,
  guildId: string | undefined,
  author: APIUser,
  mentionable: readonly APIUser[],
): APIMessage & { guild_id?: string } {
  const mentions = random.chance(0.2) ? random.sample(mentionable, random.int(1, 3)) : [];
  const embeds: APIEmbed[] = random.chance(0.15)
    ? [
        {
          title: `about ${random.pick(NAMES)}`,
          description: random.word(40),
          url: `https://example.com/${random.word(8)}`,
          color: random.int(0, 0xffffff),
          type: 'rich' as APIEmbed['type'],
        },
      ]
    : [];
  const words = Array.from({ length: random.int(1, 20) }, () => random.word(random.int(2, 9)));
  return {
    id: clock.next(),
    channel_id: channelId,
    ...(guildId === undefined ? {} : { guild_id: guildId }),
    author,
    content: `${mentions.map((u) => `<@${u.id}> `).join('')}${words.join(' ')}`,
    timestamp: clock.iso(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions,
    mention_roles: [],
    attachments: [],
    embeds,
    pinned: false,
    type: MessageType.Default,
  };
}

/** An invite to `channelId` that expires after `maxAge` seconds (0 = never). */
export function buildInvite(
  random: Random,
  clock: SnowflakeClock,
  guildId: string,
  channelId: string,
  inviter: APIUser,
  maxAge: number,
): GatewayInviteCreateDispatchData {
  return {
    channel_id: channelId,
    code: random.word(4) + random.hex(4),
    created_at: clock.iso(),
    guild_id: guildId,
    inviter,
    max_age: maxAge,
    max_uses: random.pick([0, 1, 10, 100]),
    temporary: false,
    uses: 0,
    expires_at: maxAge > 0 ? clock.iso(maxAge * 1000) : null,
  };
}
