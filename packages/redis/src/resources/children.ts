/**
 * Reading guild children stored in one hash per guild: channels, roles and
 * emojis (found by id through a locator hash), presences and voice states
 * (keyed by guild and user).
 */
import type { EmojiEntity, GuildChannelEntity, PresenceEntity, RoleEntity, VoiceStateEntity } from '@sake/abc';
import { childCodec, idBytes, idFromBytes, presenceCodec, voiceStateCodec } from '../codec/index.js';
import { fieldLocator, type Ctx } from '../context.js';
import { bucketOf, parseVoiceMember, type GuildHashResource } from '../keys.js';
import { hscanWindows, sscanWindows } from '../scan.js';

/** Resources located by their own id. */
export type LocatedResource = 'channel' | 'role' | 'emoji';

/** The entity type of each guild-hash resource. */
export interface ChildEntityMap {
  channel: GuildChannelEntity;
  role: RoleEntity;
  emoji: EmojiEntity;
  presence: PresenceEntity;
  voiceState: VoiceStateEntity;
}

/** Decode one stored child; `id` is the field (the entity id, or the user id for presences and voice states). */
export function decodeChild<R extends GuildHashResource>(resource: R, bytes: Uint8Array, key: string, id: string, guildId: string): ChildEntityMap[R] {
  const where = fieldLocator(key, id);
  switch (resource) {
    case 'presence':
      return presenceCodec.decode(bytes, where, guildId) as ChildEntityMap[R];
    case 'voiceState':
      return voiceStateCodec.decode(bytes, where, guildId, id) as ChildEntityMap[R];
    default:
      return childCodec.decode(resource, bytes, where, id, guildId) as ChildEntityMap[R];
  }
}

/** The guild a channel/role/emoji belongs to, or null when not cached. */
export async function locate(ctx: Ctx, resource: LocatedResource, id: string): Promise<string | null> {
  const bytes = await ctx.conn.run('HGET', (c) => c.hgetBuffer(ctx.keys.locator(resource), idBytes(id)), ctx.keys.locator(resource));
  return bytes && bytes.length === 8 ? idFromBytes(bytes) : null;
}

/** One child of one guild, or null. */
export async function readGuildChild<R extends GuildHashResource>(ctx: Ctx, resource: R, guildId: string, id: string): Promise<ChildEntityMap[R] | null> {
  const key = ctx.keys.guildChild(guildId, resource);
  const bytes = await ctx.conn.run('HGET', (c) => c.hgetBuffer(key, idBytes(id)), key);
  return bytes ? decodeChild(resource, bytes, key, id, guildId) : null;
}

/** A channel/role/emoji by id, or null (one round trip on a single node: `TopologyReader.located`). */
export async function readLocated<R extends LocatedResource>(ctx: Ctx, resource: R, id: string): Promise<ChildEntityMap[R] | null> {
  const found = await ctx.reader.located(ctx, resource, id);
  if (found === null || found[1] === null) return null;
  return decodeChild(resource, found[1], ctx.keys.guildChild(found[0], resource), id, found[0]);
}

/** Every child of `resource` in one guild. */
export async function* iterGuildChildren<R extends GuildHashResource>(ctx: Ctx, resource: R, guildId: string): AsyncGenerator<ChildEntityMap[R]> {
  const key = ctx.keys.guildChild(guildId, resource);
  for await (const window of hscanWindows(ctx, key)) {
    for (const [field, value] of window) yield decodeChild(resource, value, key, idFromBytes(field), guildId);
  }
}

/** Every child of `resource` in every guild. */
export async function* iterAllChildren<R extends GuildHashResource>(ctx: Ctx, resource: R): AsyncGenerator<ChildEntityMap[R]> {
  for await (const guildIds of sscanWindows(ctx, ctx.keys.guildSlots)) {
    for (const guildId of guildIds) yield* iterGuildChildren(ctx, resource, guildId);
  }
}

/** Number of children of `resource` in one guild. */
export function countGuildChildren(ctx: Ctx, resource: GuildHashResource, guildId: string): Promise<number> {
  return ctx.conn.run('HLEN', (c) => c.hlen(ctx.keys.guildChild(guildId, resource)), ctx.keys.guildChild(guildId, resource));
}

/** Number of children of `resource` in every guild. */
export async function countAllChildren(ctx: Ctx, resource: GuildHashResource): Promise<number> {
  if (resource === 'channel' || resource === 'role' || resource === 'emoji') {
    return ctx.conn.run('HLEN', (c) => c.hlen(ctx.keys.locator(resource)), ctx.keys.locator(resource));
  }
  let total = 0;
  for await (const guildIds of sscanWindows(ctx, ctx.keys.guildSlots)) {
    const counts = await Promise.all(guildIds.map((g) => countGuildChildren(ctx, resource, g)));
    for (const n of counts) total += n;
  }
  return total;
}

/** The guilds a user has a cached presence (or membership) in, from the user bucket's list. */
export async function guildsOfUser(ctx: Ctx, list: 'presence' | 'member', userId: string): Promise<string[]> {
  const bucket = bucketOf(userId, ctx.userBuckets);
  const key = list === 'presence' ? ctx.keys.presenceGuilds(bucket) : ctx.keys.memberGuilds(bucket);
  const packed = await ctx.conn.run('HGET', (c) => c.hgetBuffer(key, idBytes(userId)), key);
  return packed ? ctx.guildRefs.decode(packed, fieldLocator(key, userId)) : [];
}

/** The presences of one user across guilds. */
export async function* iterPresencesForUser(ctx: Ctx, userId: string): AsyncGenerator<PresenceEntity> {
  const guildIds = await guildsOfUser(ctx, 'presence', userId);
  const found = await Promise.all(guildIds.map((g) => readGuildChild(ctx, 'presence', g, userId)));
  for (const p of found) if (p) yield p;
}

/** The `(guild, user)` pairs of the voice states in a channel. */
export async function* voiceStatesInChannel(ctx: Ctx, channelId: string): AsyncGenerator<Array<[string, string]>> {
  for await (const members of sscanWindows(ctx, ctx.keys.voiceInChannel(channelId))) {
    yield members.map(parseVoiceMember);
  }
}

/** The voice states in one channel. */
export async function* iterVoiceStatesForChannel(ctx: Ctx, channelId: string): AsyncGenerator<VoiceStateEntity> {
  for await (const pairs of voiceStatesInChannel(ctx, channelId)) {
    const found = await Promise.all(pairs.map(([g, u]) => readGuildChild(ctx, 'voiceState', g, u)));
    // The index may briefly lag a concurrent writer: only yield states really in this channel.
    for (const v of found) if (v && v.channel_id === channelId) yield v;
  }
}
