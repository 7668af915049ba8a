/**
 * The resource table the generic tests are driven by: for each resource, its
 * method names, how to build an entry under given parents, and which fields
 * a merge patch or a replacing `set` may change.
 */
import { isScopedResource, keyOf, scopeIdOf } from '@sake/abc';
import type { EntityMap, GuildChildResource, KeyMap, ResourceName, Snowflake } from '@sake/abc';
import * as fx from './fixtures.js';

/** Every resource with get/delete/iter/clear (all but `me`). */
export type IterableResource = Exclude<ResourceName, 'me'>;

/** A parent index name (`iter…ForGuild` → `guild`). */
export type Scope = 'guild' | 'channel' | 'user' | 'author';

/** The ids an entry is built from; each resource uses the ones it needs. */
export interface Parents {
  /** The entry's own id (guild, channel, role, emoji, message, user id; the invite code is derived from it). */
  id: Snowflake;
  guildId: Snowflake;
  channelId: Snowflake;
  /** The user of a member/presence/voice state, the author of a message, the inviter of an invite. */
  userId: Snowflake;
}

/** A loosely typed entity: the generic tests only move values between the builders and the backend. */
export type Entity = EntityMap[ResourceName];

/** What the generic tests know about one resource. */
export interface ResourceSpec {
  readonly resource: IterableResource;
  /** Plural used in test names and in `iter…` / `clear…` method names. */
  readonly plural: string;
  /** Singular used in `get…` / `delete…` method names. */
  readonly singular: string;
  readonly scopes: readonly Scope[];
  /** Whether a `replaceForGuild` mutation applies. */
  readonly guildChild: boolean;
  /** Whether `set` accepts `ttlMs` for this resource (messages, invites, users). */
  readonly ttl: boolean;
  /** Build an entry from its parents. */
  build(parents: Parents): Entity;
  /** Non-key fields a merge changes (values differ from what `build` produces). */
  readonly patch: Readonly<Record<string, unknown>>;
  /** Optional fields `build` leaves out (to prove a `set` replaces rather than merges). */
  readonly extra: Readonly<Record<string, unknown>>;
}

const spec = (s: ResourceSpec): ResourceSpec => s;

/** The table, in the order the suite registers families. */
export const SPECS: Readonly<Record<IterableResource, ResourceSpec>> = {
  guild: spec({
    resource: 'guild',
    plural: 'Guilds',
    singular: 'Guild',
    scopes: [],
    guildChild: false,
    ttl: false,
    build: (p) => fx.guild(p.id),
    patch: { name: 'Renamed guild', description: 'patched' },
    extra: { member_count: 42, vanity_url_code: 'sake' },
  }),
  channel: spec({
    resource: 'channel',
    plural: 'GuildChannels',
    singular: 'GuildChannel',
    scopes: ['guild'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.channel(p.id, p.guildId),
    patch: { name: 'renamed', position: 7 },
    extra: { topic: 'an extra topic' },
  }),
  emoji: spec({
    resource: 'emoji',
    plural: 'Emojis',
    singular: 'Emoji',
    scopes: ['guild'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.emoji(p.id, p.guildId),
    patch: { name: 'renamed_emoji', available: false },
    extra: { user: fx.user('80351110224678912') },
  }),
  role: spec({
    resource: 'role',
    plural: 'Roles',
    singular: 'Role',
    scopes: ['guild'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.role(p.id, p.guildId),
    patch: { name: 'renamed role', color: 0xed4245 },
    extra: { icon: 'a1b2c3', unicode_emoji: null },
  }),
  member: spec({
    resource: 'member',
    plural: 'Members',
    singular: 'Member',
    scopes: ['guild', 'user'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.member(p.guildId, fx.user(p.userId)),
    patch: { roles: ['175928847299117063'], deaf: true },
    extra: { nick: 'an extra nick', communication_disabled_until: '2024-05-02T12:00:00.000Z' },
  }),
  presence: spec({
    resource: 'presence',
    plural: 'Presences',
    singular: 'Presence',
    scopes: ['guild', 'user'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.presence(p.guildId, p.userId),
    patch: { status: 'dnd', activities: [] },
    extra: { client_status: { desktop: 'online' } },
  }),
  voiceState: spec({
    resource: 'voiceState',
    plural: 'VoiceStates',
    singular: 'VoiceState',
    scopes: ['guild', 'channel'],
    guildChild: true,
    ttl: false,
    build: (p) => fx.voiceState(p.guildId, p.userId, p.channelId),
    patch: { self_mute: true, self_deaf: true },
    extra: { self_stream: true },
  }),
  message: spec({
    resource: 'message',
    plural: 'Messages',
    singular: 'Message',
    scopes: ['guild', 'channel', 'author'],
    guildChild: false,
    ttl: true,
    build: (p) => fx.message(p.id, p.channelId, fx.user(p.userId), p.guildId),
    patch: { content: 'edited', edited_timestamp: '2024-05-01T12:30:00.000Z' },
    extra: { nonce: '1234567890', message_reference: { type: 0, message_id: '175928847299117063' } },
  }),
  invite: spec({
    resource: 'invite',
    plural: 'Invites',
    singular: 'Invite',
    scopes: ['guild', 'channel'],
    guildChild: false,
    ttl: true,
    build: (p) => fx.invite(fx.inviteCodeOf(p.id), p.channelId, p.guildId, fx.user(p.userId)),
    patch: { max_uses: 10, temporary: true },
    extra: { target_type: 1, role_ids: ['175928847299117063'] },
  }),
  user: spec({
    resource: 'user',
    plural: 'Users',
    singular: 'User',
    scopes: [],
    guildChild: false,
    ttl: true,
    build: (p) => fx.user(p.id),
    patch: { global_name: 'Patched Name', avatar: 'a_0123456789abcdef' },
    extra: { accent_color: 0xff00ff, banner: 'b4nn3r' },
  }),
};

/** `iterMembers`, `iterMembersForGuild`, … */
export function iterName(s: ResourceSpec, scope?: Scope): string {
  return scope ? `iter${s.plural}For${capital(scope)}` : `iter${s.plural}`;
}

/** `clearMembers`, `clearMembersForGuild`, … */
export function clearName(s: ResourceSpec, scope?: Scope): string {
  return scope ? `clear${s.plural}For${capital(scope)}` : `clear${s.plural}`;
}

/** `getMember` */
export function getName(s: ResourceSpec): string {
  return `get${s.singular}`;
}

/** `deleteMember` */
export function deleteName(s: ResourceSpec): string {
  return `delete${s.singular}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The key of an entry (from abc's `keyOf`). */
export function keyOfEntity(s: ResourceSpec, value: Entity): KeyMap[IterableResource] {
  return keyOf(s.resource, value as never);
}

/** The arguments `get…` / `delete…` take for a key, in order. */
export function keyArgs(key: KeyMap[ResourceName]): string[] {
  const k = key as Partial<Record<'guildId' | 'userId' | 'channelId' | 'emojiId' | 'roleId' | 'messageId' | 'code', string>>;
  if (k.guildId !== undefined && k.userId !== undefined) return [k.guildId, k.userId];
  const only = Object.values<string>(key);
  return only;
}

/** A stable string for a key, used to sort and compare entries. */
export function keyString(s: ResourceSpec, value: Entity): string {
  return keyArgs(keyOfEntity(s, value)).join('/');
}

/** The parent id an entry sits under for `scope` (abc's `scopeIdOf`). */
export function scopeOf(s: ResourceSpec, scope: Scope, value: Entity): Snowflake | undefined {
  return isScopedResource(s.resource) ? scopeIdOf(s.resource, scope, value) : undefined;
}

/** Which {@link Parents} field a scope reads. */
export function parentField(scope: Scope): 'guildId' | 'channelId' | 'userId' {
  return scope === 'guild' ? 'guildId' : scope === 'channel' ? 'channelId' : 'userId';
}

/** The flat entity field holding a scope's id, when there is one (`guild_id`, `channel_id`). */
export function scopeField(s: ResourceSpec, scope: Scope): string | undefined {
  if (scope === 'guild') return 'guild_id';
  if (scope === 'channel') return 'channel_id';
  if (scope === 'user' && s.resource === 'voiceState') return 'user_id';
  return undefined;
}

/** Whether the scope's parent is part of the entry's key (a member can't move guild; a voice state can move channel). */
export function isKeyScope(s: ResourceSpec, scope: Scope): boolean {
  const p: Parents = { id: '1001', guildId: '1002', channelId: '1003', userId: '1004' };
  const moved = { ...p, [parentField(scope)]: '1005' };
  return keyString(s, s.build(p)) !== keyString(s, s.build(moved));
}

/** Whether `resource` is a guild child that `replaceForGuild` applies to. */
export function isGuildChild(resource: ResourceName): resource is GuildChildResource {
  return resource !== 'me' && SPECS[resource].guildChild === true;
}
