/**
 * The values a sake cache stores and returns: discord-api-types payloads,
 * normalised so that every cached value carries the ids of its parents.
 */
import type {
  APIChannel,
  APIEmoji,
  APIGuildMember,
  APIMessage,
  APIRole,
  APIUser,
  APIVoiceState,
  GatewayGuildCreateDispatchData,
  GatewayInviteCreateDispatchData,
  GatewayPresenceUpdate,
} from 'discord-api-types/v10';
import type { Snowflake } from './ids.js';

/** Fields of a GUILD_CREATE payload that live in their own resources, not in the guild entry. */
export type GuildChildFields = 'members' | 'channels' | 'threads' | 'roles' | 'emojis' | 'presences' | 'voice_states';

/**
 * A cached guild: the GUILD_CREATE payload without the children that have
 * their own resources (members, channels, threads, roles, emojis, presences,
 * voice states). GUILD_CREATE-only fields are optional because GUILD_UPDATE
 * does not carry them.
 */
export type GuildEntity = Omit<GatewayGuildCreateDispatchData, GuildChildFields | 'joined_at' | 'large' | 'member_count'> &
  Partial<Pick<GatewayGuildCreateDispatchData, 'joined_at' | 'large' | 'member_count'>>;

/** A cached guild channel or thread; always carries `guild_id`. */
export type GuildChannelEntity = APIChannel & { guild_id: Snowflake };

/** A cached custom emoji; always carries its `id` and `guild_id`. */
export type EmojiEntity = APIEmoji & { id: Snowflake; guild_id: Snowflake };

/** A cached role; always carries `guild_id`. */
export type RoleEntity = APIRole & { guild_id: Snowflake };

/**
 * The user a cached member carries: the full user joined from the user
 * resource, or only `{ id }` when that user entry was removed on its own
 * (`deleteUser`, `clearUsers`) while the member stayed. Fields other than
 * `id` are therefore typed as possibly absent.
 */
export type MemberUser = APIUser | (Pick<APIUser, 'id'> & Partial<APIUser>);

/** A cached member; always carries `guild_id` and its `user` (joined from the user resource, see {@link MemberUser}). */
export type MemberEntity = APIGuildMember & { guild_id: Snowflake; user: MemberUser };

/** A cached presence; always carries `guild_id` and `user.id`. */
export type PresenceEntity = GatewayPresenceUpdate;

/** A cached voice state; always carries `guild_id`. */
export type VoiceStateEntity = APIVoiceState & { guild_id: Snowflake };

/** A cached message; `guild_id` is present for guild messages. */
export type MessageEntity = APIMessage & { guild_id?: Snowflake };

/** A cached invite, as INVITE_CREATE delivers it. */
export type InviteEntity = GatewayInviteCreateDispatchData;

/** A cached user. */
export type UserEntity = APIUser;

/** The bot's own user (from READY and USER_UPDATE). */
export type MeEntity = APIUser;

/** Every cached resource, by the name mutations use. */
export interface EntityMap {
  guild: GuildEntity;
  channel: GuildChannelEntity;
  emoji: EmojiEntity;
  role: RoleEntity;
  member: MemberEntity;
  presence: PresenceEntity;
  voiceState: VoiceStateEntity;
  message: MessageEntity;
  invite: InviteEntity;
  user: UserEntity;
  me: MeEntity;
}

/** The name of a cached resource. */
export type ResourceName = keyof EntityMap;

/** Every resource name, in a stable order (useful for backups and stats). */
export const RESOURCE_NAMES: readonly ResourceName[] = [
  'guild',
  'channel',
  'emoji',
  'role',
  'member',
  'presence',
  'voiceState',
  'message',
  'invite',
  'user',
  'me',
];

/** The key that identifies one entry of each resource. */
export interface KeyMap {
  guild: { guildId: Snowflake };
  channel: { channelId: Snowflake };
  emoji: { emojiId: Snowflake };
  role: { roleId: Snowflake };
  member: { guildId: Snowflake; userId: Snowflake };
  presence: { guildId: Snowflake; userId: Snowflake };
  voiceState: { guildId: Snowflake; userId: Snowflake };
  message: { messageId: Snowflake };
  invite: { code: string };
  user: { userId: Snowflake };
  me: Record<string, never>;
}

/** The parents each resource is indexed by (what its `iter…For` / `clear…For` methods take). */
export interface ScopeMap {
  guild: never;
  channel: 'guild';
  emoji: 'guild';
  role: 'guild';
  member: 'guild' | 'user';
  presence: 'guild' | 'user';
  voiceState: 'guild' | 'channel';
  message: 'guild' | 'channel' | 'author';
  invite: 'guild' | 'channel';
  user: never;
  me: never;
}

/** Resources that live under a guild and that a GUILD_CREATE snapshot replaces wholesale. */
export type GuildChildResource = 'channel' | 'emoji' | 'role' | 'member' | 'presence' | 'voiceState';

/** The guild child resources, in a stable order. */
export const GUILD_CHILD_RESOURCES: readonly GuildChildResource[] = ['channel', 'emoji', 'role', 'member', 'presence', 'voiceState'];

/** Resources with at least one parent index. */
export type ScopedResource = { [R in ResourceName]: ScopeMap[R] extends never ? never : R }[ResourceName];

/** Whether `resource` has at least one parent index (narrows it for {@link scopeIdOf} and {@link RESOURCE_SCOPES}). */
export function isScopedResource(resource: ResourceName): resource is ScopedResource {
  return Object.hasOwn(RESOURCE_SCOPES, resource);
}

/** Every (resource, scope) pair that has an index, in a stable order. */
export const RESOURCE_SCOPES: { readonly [R in ScopedResource]: readonly ScopeMap[R][] } = {
  channel: ['guild'],
  emoji: ['guild'],
  role: ['guild'],
  member: ['guild', 'user'],
  presence: ['guild', 'user'],
  voiceState: ['guild', 'channel'],
  message: ['guild', 'channel', 'author'],
  invite: ['guild', 'channel'],
};

/**
 * The key of an entity, read from the entity itself. Throws a `TypeError` when
 * the entity lacks the ids its resource is keyed by.
 */
export function keyOf<R extends ResourceName>(resource: R, value: EntityMap[R]): KeyMap[R] {
  const v = value as unknown as Record<string, unknown> & { user?: { id?: unknown } };
  const need = (field: unknown, name: string): Snowflake => {
    if (typeof field !== 'string' || field.length === 0) throw new TypeError(`${resource} entity has no ${name}`);
    return field;
  };
  switch (resource) {
    case 'guild':
      return { guildId: need(v.id, 'id') } as KeyMap[R];
    case 'channel':
      return { channelId: need(v.id, 'id') } as KeyMap[R];
    case 'emoji':
      return { emojiId: need(v.id, 'id') } as KeyMap[R];
    case 'role':
      return { roleId: need(v.id, 'id') } as KeyMap[R];
    case 'member':
    case 'presence':
      return { guildId: need(v.guild_id, 'guild_id'), userId: need(v.user?.id, 'user.id') } as KeyMap[R];
    case 'voiceState':
      return { guildId: need(v.guild_id, 'guild_id'), userId: need(v.user_id, 'user_id') } as KeyMap[R];
    case 'message':
      return { messageId: need(v.id, 'id') } as KeyMap[R];
    case 'invite':
      return { code: need(v.code, 'code') } as KeyMap[R];
    case 'user':
      return { userId: need(v.id, 'id') } as KeyMap[R];
    default:
      return {} as KeyMap[R];
  }
}

/**
 * The id of an entity's parent for one of its indexes (`undefined` when the
 * entity has none, e.g. a DM message has no guild). `value` may also be a
 * checked entity (a plain record, as {@link checkMutation} returns it) or a
 * merge patch: only the parent's field is read.
 */
export function scopeIdOf<R extends ScopedResource>(resource: R, scope: ScopeMap[R], value: EntityMap[R] | object): Snowflake | undefined {
  const v = value as unknown as Record<string, unknown> & { user?: { id?: string }; author?: { id?: string } };
  let id: unknown;
  switch (scope) {
    case 'guild':
      id = v.guild_id;
      break;
    case 'channel':
      id = v.channel_id;
      break;
    case 'user':
      id = resource === 'voiceState' ? v.user_id : v.user?.id;
      break;
    case 'author':
      id = v.author?.id;
      break;
  }
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}
