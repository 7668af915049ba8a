/** The resources as the CLI names them, and how to read, iterate and clear each one on a cache. */
import { InvalidArgumentError } from 'commander';
import type { CacheIterator, EntityMap, RefCache, ResourceName, Snowflake } from '@sake/abc';
import { checkInviteCode, checkSnowflake } from './parse.js';

/** A parent filter of `sake iter` / `sake clear`. */
export type Scope = 'guild' | 'channel' | 'user' | 'author';

/** How the CLI handles one resource. */
export interface ResourceSpec {
  /** The standard's resource name. */
  name: ResourceName;
  /** Singular and plural for messages ("1 member", "3 members"). */
  singular: string;
  /** See {@link ResourceSpec.singular}. */
  plural: string;
  /** Names accepted on the command line. */
  aliases: readonly string[];
  /** The ids `get` takes, in order (`me` takes none). */
  keyNames: readonly string[];
  /** Parent filters `iter` and `clear` accept. */
  scopes: readonly Scope[];
}

/** Every resource, in the standard's order. */
export const RESOURCE_SPECS: readonly ResourceSpec[] = [
  { name: 'guild', singular: 'guild', plural: 'guilds', aliases: ['guild', 'guilds'], keyNames: ['guild id'], scopes: [] },
  { name: 'channel', singular: 'channel', plural: 'channels', aliases: ['channel', 'channels'], keyNames: ['channel id'], scopes: ['guild'] },
  { name: 'emoji', singular: 'emoji', plural: 'emojis', aliases: ['emoji', 'emojis'], keyNames: ['emoji id'], scopes: ['guild'] },
  { name: 'role', singular: 'role', plural: 'roles', aliases: ['role', 'roles'], keyNames: ['role id'], scopes: ['guild'] },
  { name: 'member', singular: 'member', plural: 'members', aliases: ['member', 'members'], keyNames: ['guild id', 'user id'], scopes: ['guild', 'user'] },
  {
    name: 'presence',
    singular: 'presence',
    plural: 'presences',
    aliases: ['presence', 'presences'],
    keyNames: ['guild id', 'user id'],
    scopes: ['guild', 'user'],
  },
  {
    name: 'voiceState',
    singular: 'voice state',
    plural: 'voice states',
    aliases: ['voice-state', 'voice-states', 'voicestate', 'voicestates', 'voiceState', 'voiceStates'],
    keyNames: ['guild id', 'user id'],
    scopes: ['guild', 'channel'],
  },
  {
    name: 'message',
    singular: 'message',
    plural: 'messages',
    aliases: ['message', 'messages'],
    keyNames: ['message id'],
    scopes: ['guild', 'channel', 'author'],
  },
  { name: 'invite', singular: 'invite', plural: 'invites', aliases: ['invite', 'invites'], keyNames: ['invite code'], scopes: ['guild', 'channel'] },
  { name: 'user', singular: 'user', plural: 'users', aliases: ['user', 'users'], keyNames: ['user id'], scopes: [] },
  { name: 'me', singular: 'me', plural: 'me', aliases: ['me'], keyNames: [], scopes: [] },
];

/** The names the CLI accepts, for help texts. */
export const RESOURCE_CHOICES = RESOURCE_SPECS.map((s) => s.aliases[0]!).join(', ');

/** The spec of a resource named on the command line. */
export function resourceSpec(name: string): ResourceSpec {
  const spec = RESOURCE_SPECS.find((s) => s.aliases.includes(name));
  if (spec === undefined) throw new InvalidArgumentError(`unknown resource ${JSON.stringify(name)}; one of: ${RESOURCE_CHOICES}`);
  return spec;
}

/** Validate one id of a `get` key: snowflakes, or an invite code. */
export function checkKeyPart(spec: ResourceSpec, keyName: string, value: string): string {
  return spec.name === 'invite' ? checkInviteCode(value) : checkSnowflake(value, keyName);
}

/** Read one entry; `ids` are already validated and match `spec.keyNames`. */
export function getEntry(cache: RefCache, resource: ResourceName, ids: readonly string[]): Promise<EntityMap[ResourceName]> {
  const [a = '', b = ''] = ids;
  switch (resource) {
    case 'guild':
      return cache.getGuild(a);
    case 'channel':
      return cache.getGuildChannel(a);
    case 'emoji':
      return cache.getEmoji(a);
    case 'role':
      return cache.getRole(a);
    case 'member':
      return cache.getMember(a, b);
    case 'presence':
      return cache.getPresence(a, b);
    case 'voiceState':
      return cache.getVoiceState(a, b);
    case 'message':
      return cache.getMessage(a);
    case 'invite':
      return cache.getInvite(a);
    case 'user':
      return cache.getUser(a);
    case 'me':
      return cache.getMe();
  }
}

/** A resource's entries under one parent, or `undefined` when the resource has no such index. */
export function iterScoped(cache: RefCache, resource: ResourceName, scope: Scope, id: Snowflake): CacheIterator<unknown> | undefined {
  const table: Partial<Record<ResourceName, Partial<Record<Scope, () => CacheIterator<unknown>>>>> = {
    channel: { guild: () => cache.iterGuildChannelsForGuild(id) },
    emoji: { guild: () => cache.iterEmojisForGuild(id) },
    role: { guild: () => cache.iterRolesForGuild(id) },
    member: { guild: () => cache.iterMembersForGuild(id), user: () => cache.iterMembersForUser(id) },
    presence: { guild: () => cache.iterPresencesForGuild(id), user: () => cache.iterPresencesForUser(id) },
    voiceState: { guild: () => cache.iterVoiceStatesForGuild(id), channel: () => cache.iterVoiceStatesForChannel(id) },
    message: { guild: () => cache.iterMessagesForGuild(id), channel: () => cache.iterMessagesForChannel(id), author: () => cache.iterMessagesForAuthor(id) },
    invite: { guild: () => cache.iterInvitesForGuild(id), channel: () => cache.iterInvitesForChannel(id) },
  };
  return table[resource]?.[scope]?.();
}

/** Remove a resource's entries of one guild (for `guild` itself: that guild's entry); `undefined` when unsupported. */
export function clearForGuild(cache: RefCache, resource: ResourceName, guildId: Snowflake): Promise<void> | undefined {
  switch (resource) {
    case 'guild':
      return cache.deleteGuild(guildId);
    case 'channel':
      return cache.clearGuildChannelsForGuild(guildId);
    case 'emoji':
      return cache.clearEmojisForGuild(guildId);
    case 'role':
      return cache.clearRolesForGuild(guildId);
    case 'member':
      return cache.clearMembersForGuild(guildId);
    case 'presence':
      return cache.clearPresencesForGuild(guildId);
    case 'voiceState':
      return cache.clearVoiceStatesForGuild(guildId);
    case 'message':
      return cache.clearMessagesForGuild(guildId);
    case 'invite':
      return cache.clearInvitesForGuild(guildId);
    default:
      return undefined;
  }
}

/** One line describing an entry, for human-readable listings. */
export function describeEntry(resource: ResourceName, entry: unknown): string {
  const e = entry as Record<string, unknown> & { user?: { id?: string; username?: string }; author?: { id?: string } };
  const name = (v: unknown): string => (typeof v === 'string' && v.length > 0 ? `  ${v}` : '');
  switch (resource) {
    case 'guild':
      return `${String(e.id)}${name(e.name)}${e.unavailable === true ? '  (unavailable)' : ''}`;
    case 'channel':
      return `${String(e.id)}${name(e.name)}  guild ${String(e.guild_id)}  type ${String(e.type)}`;
    case 'emoji':
    case 'role':
      return `${String(e.id)}${name(e.name)}  guild ${String(e.guild_id)}`;
    case 'member':
      return `guild ${String(e.guild_id)}  user ${String(e.user?.id)}${name(e.user?.username)}${typeof e.nick === 'string' ? ` (${e.nick})` : ''}`;
    case 'presence':
      return `guild ${String(e.guild_id)}  user ${String(e.user?.id)}  ${String(e.status)}`;
    case 'voiceState':
      return `guild ${String(e.guild_id)}  user ${String(e.user_id)}  channel ${String(e.channel_id)}`;
    case 'message':
      return `${String(e.id)}  channel ${String(e.channel_id)}  author ${String(e.author?.id)}${name(typeof e.content === 'string' ? JSON.stringify(e.content.slice(0, 60)) : undefined)}`;
    case 'invite':
      return `${String(e.code)}  guild ${String(e.guild_id)}  channel ${String(e.channel_id)}`;
    case 'user':
    case 'me':
      return `${String(e.id)}${name(e.username)}${e.bot === true ? '  (bot)' : ''}`;
  }
}
