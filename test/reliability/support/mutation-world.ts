/**
 * The id pools and the entity builders of test/reliability/support/mutation-generator.ts: what its
 * mutations write, drawn from a seeded random source so a seed gives the same batches.
 */
import type { GuildChildResource, ResourceName, UserEntity } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import type { SnapshotIds } from './snapshot.js';

/** A seeded source of choices: the same seed gives the same batches. */
export interface Random {
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** A small deterministic generator (mulberry32). */
export function random(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)]!,
    chance: (p) => next() < p,
  };
}

/** An id that belongs to a guild (a channel, role or emoji). */
export interface Placed {
  readonly id: string;
  readonly guild: string;
}

/** The id pools the batches draw from. */
export interface World {
  readonly guilds: readonly string[];
  readonly channels: readonly Placed[];
  readonly roles: readonly Placed[];
  readonly emojis: readonly Placed[];
  /** Users of every kind of write (members, presences, authors, voice states), never with a short `ttlMs`. */
  readonly users: readonly string[];
  /** Users that get short `ttlMs`: members and voice states, never a presence's user or an author ([refs]). */
  readonly ttlUsers: readonly string[];
  readonly messages: readonly string[];
  /** Each message's channel: a message keeps it ([move]). */
  readonly messageChannels: ReadonlyMap<string, Placed>;
  readonly invites: readonly string[];
  /** Ids no set, upsert or replace ever writes: only deletes, plain merges, reacts and clears name them. */
  readonly ghosts: {
    readonly guild: string;
    readonly channel: string;
    readonly role: string;
    readonly emoji: string;
    readonly user: string;
    readonly message: string;
    readonly invite: string;
  };
}

let counter = 300_000_000_000_000_000n;
const sf = (): string => (counter += 4_194_304n).toString();

/** The pools: two guilds with two channels, three roles and two emojis each; users, messages, invite codes; one ghost of each kind. */
export function world(): World {
  const guilds = [sf(), sf()];
  const placed = (n: number): Placed[] => guilds.flatMap((guild) => Array.from({ length: n }, () => ({ id: sf(), guild })));
  const channels = placed(2);
  // More messages than a channel's limit, so sets evict.
  const messageChannels = new Map(Array.from({ length: 20 }, (_, i) => [sf(), channels[i % channels.length]!] as const));
  return {
    guilds,
    channels,
    roles: placed(3),
    emojis: placed(2),
    users: Array.from({ length: 6 }, () => sf()),
    ttlUsers: [sf(), sf()],
    messages: [...messageChannels.keys()],
    messageChannels,
    invites: ['inviteA', 'inviteB', 'inviteC'],
    ghosts: { guild: sf(), channel: sf(), role: sf(), emoji: sf(), user: sf(), message: sf(), invite: 'inviteGhost' },
  };
}

/** The ghost ids, for the snapshot's point reads: what a ghost mutation must not have created. */
export function ghostIds(w: World): Partial<SnapshotIds> {
  const g = w.ghosts;
  return {
    guilds: new Set([g.guild]),
    channels: new Set([g.channel]),
    roles: new Set([g.role]),
    emojis: new Set([g.emoji]),
    users: new Set([g.user]),
    messages: new Set([g.message]),
    invites: new Set([g.invite]),
  };
}

/** What a value builder draws from: the pools and the random source. */
export interface Draw {
  readonly w: World;
  readonly r: Random;
}

/** An entity or patch as a plain record: the generator writes partial and minimal entities on purpose. */
export type Fields = Record<string, unknown>;

/** The users that may be members and voice states (every user but the ghost). */
export const memberUsers = (w: World): readonly string[] => [...w.users, ...w.ttlUsers];

/** A user (also a member's user, a message's author, the bot's own user). */
export function userFields(g: Draw, id: string): Fields {
  const { r } = g;
  return {
    id,
    username: `u${r.int(5)}`,
    discriminator: '0',
    // Now and then a name long enough that RedisCache stores the record split (a 64-byte head and a tail):
    // the split and the whole forms then replace each other.
    global_name: r.chance(0.4) ? null : r.chance(0.25) ? `G${r.int(3)} ${'long name '.repeat(7)}` : `G${r.int(3)}`,
    avatar: null,
  };
}

/** A whole member of `guild` with its user and some of the guild's roles. */
export function memberFields(g: Draw, guild: string, userId: string): Fields {
  const { w, r } = g;
  return {
    guild_id: guild,
    user: userFields(g, userId),
    roles: w.roles.filter((x) => x.guild === guild && r.chance(0.5)).map((x) => x.id),
    nick: r.chance(0.3) ? `n${r.int(4)}` : null,
    joined_at: '2024-01-02T03:04:05.000000+00:00',
    deaf: false,
    mute: false,
    flags: 0,
  };
}

/** A whole message, in its own channel ([move] in the generator's doc) and by one of `users` (never a ttlUser: [refs]). */
export function messageFields(g: Draw, id: string): Fields {
  const channel = g.w.messageChannels.get(id)!;
  const author = userFields(g, g.r.pick(g.w.users)) as unknown as UserEntity;
  return { ...fixtures.message(id, channel.id, author, channel.guild, { content: `c${g.r.int(6)}` }) };
}

/** A whole role of `guild`. */
export function roleFields(g: Draw, id: string, guild: string): Fields {
  return {
    id,
    guild_id: guild,
    name: `r${g.r.int(3)}`,
    color: g.r.int(3),
    position: 1,
    permissions: '0',
    hoist: false,
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

/** A whole custom emoji of `guild`, usable by some of its roles. */
export function emojiFields(g: Draw, id: string, guild: string): Fields {
  const roles = g.w.roles.filter((x) => x.guild === guild && g.r.chance(0.3)).map((x) => x.id);
  return { id, guild_id: guild, name: `e${g.r.int(3)}`, roles, require_colons: true, managed: false, animated: false, available: g.r.chance(0.8) };
}

/** A partial text channel of `guild` (what the cascade and the reads need). */
export const channelFields = (g: Draw, id: string, guild: string): Fields => ({ id, guild_id: guild, type: 0, name: `ch${g.r.int(3)}` });

/** A presence in `guild` (its `user` carries only the id, as the gateway's). */
export const presenceFields = (g: Draw, guild: string, userId: string): Fields => ({
  guild_id: guild,
  user: { id: userId },
  status: g.r.pick(['online', 'idle']),
  activities: [],
  client_status: {},
});

/** A voice state in one of `guild`'s channels. */
export function voiceFields(g: Draw, guild: string, userId: string): Fields {
  const channel = g.r.pick(g.w.channels.filter((c) => c.guild === guild));
  return {
    guild_id: guild,
    user_id: userId,
    channel_id: channel.id,
    session_id: 's',
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: g.r.chance(0.3),
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  };
}

/** An invite to one of the pools' channels. */
export function inviteFields(g: Draw, code: string): Fields {
  const channel = g.r.pick(g.w.channels);
  return {
    code,
    channel_id: channel.id,
    guild_id: channel.guild,
    // An invite expires by the mutation's ttlMs only (the listener turns max_age into one): a max_age of 1 s
    // outlives no run, so a backend that went by it would show here.
    max_age: g.r.pick([0, 1, 86_400]),
    max_uses: 0,
    uses: g.r.int(3),
    temporary: false,
    created_at: '2024-01-02T03:04:05.000000+00:00',
  };
}

/** Unicode emojis by name, custom ones by id (one with a name and animated, one with a null name as a deleted emoji has). */
const REACTION_EMOJIS: readonly Fields[] = [
  { id: null, name: '👍' },
  { id: null, name: '🎉' },
  { id: '400000000000000001', name: 'party' },
  { id: '400000000000000001', name: 'party', animated: true },
  { id: '400000000000000002', name: null },
];

/** Every reaction change: add and remove (normal or burst, the bot's or not), removeEmoji, removeAll. */
export function reactionChange(g: Draw): Fields {
  const { r } = g;
  const emoji = r.pick(REACTION_EMOJIS);
  const x = r.int(100);
  if (x < 8) return { op: 'removeAll' };
  if (x < 20) return { op: 'removeEmoji', emoji };
  const burst = r.chance(0.25);
  if (x < 50) return { op: 'remove', emoji, burst, me: r.chance(0.4) };
  return { op: 'add', emoji, burst, me: r.chance(0.4), ...(burst && r.chance(0.5) ? { burstColors: [r.pick(['#ff0000', '#00ff00'])] } : {}) };
}

/** The ids a guild's replace of `resource` draws its values from. */
export function replacePool(w: World, resource: GuildChildResource, guild: string): readonly string[] {
  const inGuild = (pool: readonly Placed[]): string[] => pool.filter((x) => x.guild === guild).map((x) => x.id);
  switch (resource) {
    case 'channel':
      return inGuild(w.channels);
    case 'role':
      return inGuild(w.roles);
    case 'emoji':
      return inGuild(w.emojis);
    case 'presence':
      return w.users;
    default:
      return memberUsers(w);
  }
}

const REPLACE_VALUE: { readonly [R in GuildChildResource]: (g: Draw, guild: string, id: string) => Fields } = {
  // Partial channels (all a removal needs), as the channel cascade test of the first version.
  channel: (g, guild, id) => channelFields(g, id, guild),
  role: (g, guild, id) => roleFields(g, id, guild),
  emoji: (g, guild, id) => emojiFields(g, id, guild),
  member: (g, guild, id) => memberFields(g, guild, id),
  presence: (g, guild, id) => presenceFields(g, guild, id),
  voiceState: (g, guild, id) => voiceFields(g, guild, id),
};

/** A value of a guild's replace of `resource`: the entry of id `id` (a user id for members, presences and voice states). */
export const replaceValue = (d: Draw, resource: GuildChildResource, guild: string, id: string): Fields => REPLACE_VALUE[resource](d, guild, id);

/** The key of each resource's ghost (member, presence and voice state ghosts in a real guild, a ghost user). */
export function ghostKey(g: Draw, resource: ResourceName): Fields {
  const gh = g.w.ghosts;
  const keys: Record<ResourceName, Fields> = {
    guild: { guildId: gh.guild },
    channel: { channelId: gh.channel },
    role: { roleId: gh.role },
    emoji: { emojiId: gh.emoji },
    member: { guildId: g.r.pick(g.w.guilds), userId: gh.user },
    presence: { guildId: g.r.pick(g.w.guilds), userId: gh.user },
    voiceState: { guildId: g.r.pick(g.w.guilds), userId: gh.user },
    message: { messageId: gh.message },
    invite: { code: gh.invite },
    user: { userId: gh.user },
    me: {},
  };
  return keys[resource];
}

/** The resources with a ghost (every one but `me`, which has no id). */
export const GHOST_RESOURCES: readonly ResourceName[] = ['guild', 'channel', 'role', 'emoji', 'member', 'presence', 'voiceState', 'message', 'invite', 'user'];
