/**
 * The generator of test/reliability/mutation-differential.test.ts: seeded random write batches
 * over small pools of ids, so batches keep touching the same entries.
 *
 * It makes every mutation type of the write contract (packages/abc/src/mutations.ts): sets,
 * merges of every resource with and without `upsert` (patches that leave out key fields, member
 * and presence patches with a `user`), deletes, `replaceForGuild` of every guild child resource
 * (with duplicate values and with none), `clearFor` of every scope in `RESOURCE_SCOPES`, every
 * reaction change, `removeRole`, `channelLimit`, `ttlMs` (short ones only in batches the test
 * waits after) and writes of "ghost" ids that no set ever writes. The pools and the entities it
 * writes are in ./mutation-world.ts.
 *
 * It does not generate the divergences the project documents (each exclusion below names the
 * item it follows):
 * - [move] a message set into another channel (the test file's header): a message keeps its
 *   channel in every set and merge;
 * - [upsert] packages/redis/README.md, Known limits, "A merge with upsert whose patch can't make
 *   an entry on its own": a channel, role or emoji upsert always carries `guild_id`, a message
 *   upsert `channel_id`;
 * - [refs] the contract (SetMutation.ttlMs in packages/abc/src/mutations.ts): "RedisCache also
 *   counts presences and live messages" as references that keep a user, so the users that get a
 *   short `ttlMs` are never a presence's user or a message's author;
 * - RedisCache keeps orphaned users for an hour by default where MemoryCache keeps them until
 *   deleted (the same SetMutation.ttlMs doc, on `userTtlMs`): no test runs that long.
 */
import { GUILD_CHILD_RESOURCES, RESOURCE_SCOPES, mutation, type Mutation, type ResourceName, type ScopedResource } from '@sake/abc';
import {
  GHOST_RESOURCES,
  channelFields,
  emojiFields,
  ghostKey,
  inviteFields,
  memberFields,
  memberUsers,
  messageFields,
  presenceFields,
  reactionChange,
  replacePool,
  replaceValue,
  roleFields,
  userFields,
  voiceFields,
  type Draw,
  type Fields,
  type Placed,
  type Random,
  type World,
} from './mutation-world.js';

/** A short `ttlMs` is at least this long: it must outlive the batch that writes it (later mutations of the batch still see the entry; an apply takes ~5–20 ms here). */
const SHORT_TTL_MS = 40;
/** Short `ttlMs` are SHORT_TTL_MS plus up to this much less one. */
const SHORT_TTL_SPREAD = 20;
/** The wait after a batch with short `ttlMs` before anything is compared: past every short `ttlMs` (at most 59 ms from before the apply resolved) with a margin. */
const EXPIRY_WAIT_MS = 80;
/** One batch in this many writes short `ttlMs` and is followed by a wait (a few waits per run). */
const EXPIRING_EVERY = 30;
/** A `ttlMs` no test outlives: it takes the backends' expiring paths (indexes scored by deadline, user deadlines) without a race. */
const LONG_TTL_MS = 3_600_000;

/** A generated batch and what the test does with it. */
export interface GeneratedBatch {
  readonly batch: Mutation[];
  /** Indexes of the set/merge/delete/react mutations whose old values are compared. */
  readonly old: number[];
  /** How long to wait after applying the batch before reading (0: none): its short `ttlMs` run out meanwhile. */
  readonly waitMs: number;
}

/** Everything a mutation builder needs. */
interface Gen extends Draw {
  /** The batch is an expiring one: short `ttlMs` are allowed (a wait follows it). */
  readonly expiring: boolean;
}

/**
 * The batch with index `index` of a run: 1–12 random mutations, drawn from `r` over the pools of `w`.
 * One batch in EXPIRING_EVERY is an expiring one (6–15 mutations, short `ttlMs`, a wait after it).
 */
export function generateBatch(w: World, r: Random, index: number): GeneratedBatch {
  const expiring = index % EXPIRING_EVERY === EXPIRING_EVERY - 1;
  const g: Gen = { w, r, expiring };
  // An expiring batch is longer and leans to the writes that take a ttlMs, so entries really expire.
  const length = expiring ? 6 + r.int(10) : 1 + r.int(12);
  const batch = Array.from({ length }, () => pickWeighted(r, expiring && r.chance(0.7) ? EXPIRING_KINDS : KINDS)(g));
  const old = batch.flatMap((m, i) => ((m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react') && r.chance(0.5) ? [i] : []));
  return { batch, old, waitMs: expiring ? EXPIRY_WAIT_MS : 0 };
}

type Kind = (g: Gen) => Mutation;
/** `ttlMs` and `channelLimit`, present only when chosen (no `undefined` fields in the printed batch). */
type Lifetime = { ttlMs?: number; channelLimit?: number };

function pickWeighted(r: Random, table: readonly (readonly [number, Kind])[]): Kind {
  let x = r.int(table.reduce((sum, [weight]) => sum + weight, 0));
  for (const [weight, kind] of table) {
    if (x < weight) return kind;
    x -= weight;
  }
  return table[0]![1];
}

// The generator writes plain records: partial and minimal entities are what it means to write (the contract
// accepts them; the entity types describe whole gateway payloads), hence the casts here.
const set = (resource: ResourceName, value: Fields, options: Lifetime = {}): Mutation => mutation.set(resource, value as never, options);
const merge = (resource: ResourceName, key: Fields, patch: Fields, upsert: boolean, options: Lifetime = {}): Mutation =>
  mutation.merge(resource, key as never, patch, upsert, options);
const del = (resource: ResourceName, key: Fields): Mutation => mutation.delete(resource, key as never);

/** `fields` without those `drop` names: a patch that leaves out key fields (the merge takes them from its key). */
function without(g: Gen, fields: Fields, drop: readonly string[], p = 0.5): Fields {
  const out = { ...fields };
  for (const name of drop) if (g.r.chance(p)) delete out[name];
  return out;
}

const shortTtl = (g: Gen): number => SHORT_TTL_MS + g.r.int(SHORT_TTL_SPREAD);

/** A message's or invite's `ttlMs`, with probability `p` (most writes of an expiring batch): short only in an expiring batch, long anywhere. */
function ttl(g: Gen, p: number): Lifetime {
  if (!g.r.chance(g.expiring ? 0.7 : p)) return {};
  return { ttlMs: g.expiring && g.r.chance(0.8) ? shortTtl(g) : LONG_TTL_MS };
}

/** A user write's `ttlMs`: short only for ttlUsers ([refs]) in an expiring batch. */
function userTtl(g: Gen, id: string, p: number): Lifetime {
  if (!g.r.chance(g.expiring ? 0.7 : p)) return {};
  const short = g.expiring && g.w.ttlUsers.includes(id) && g.r.chance(0.8);
  return { ttlMs: short ? shortTtl(g) : LONG_TTL_MS };
}

/**
 * A user for a member, voice state or user write: in an expiring batch mostly one of the ttlUsers,
 * so their short ttlMs meet the member writes that make and drop references in the same batch.
 */
const someUser = (g: Gen): string => g.r.pick(g.expiring && g.r.chance(0.7) ? g.w.ttlUsers : memberUsers(g.w));

/** A merge of a placed resource (channel, role, emoji): a plain patch, or an upsert that carries `guild_id` ([upsert]) and may leave out `id`. */
function placedMerge(g: Gen, resource: 'channel' | 'role' | 'emoji', pool: readonly Placed[], fields: (g: Gen, id: string, guild: string) => Fields): Mutation {
  const x = g.r.pick(pool);
  const key = { [`${resource}Id`]: x.id };
  if (g.r.chance(0.4)) return merge(resource, key, without(g, fields(g, x.id, x.guild), ['id']), true);
  return merge(resource, key, { name: `${resource[0]}${g.r.int(4)}` }, false);
}

// --- One kind per builder; KINDS weighs them (the mix of the first version of this test, plus the rest). ---

const guildSet: Kind = (g) => set('guild', { id: g.r.pick(g.w.guilds), name: `g${g.r.int(3)}` });
const guildMerge: Kind = (g) => {
  const guild = g.r.pick(g.w.guilds);
  return g.r.chance(0.5)
    ? merge('guild', { guildId: guild }, without(g, { id: guild, name: `g${g.r.int(3)}` }, ['id']), true)
    : merge('guild', { guildId: guild }, { name: `g${g.r.int(3)}` }, false);
};
const guildDelete: Kind = (g) => del('guild', { guildId: g.r.pick(g.w.guilds) });

const channelSet: Kind = (g) => {
  const c = g.r.pick(g.w.channels);
  return set('channel', channelFields(g, c.id, c.guild));
};
const channelDelete: Kind = (g) => del('channel', { channelId: g.r.pick(g.w.channels).id });

const roleSet: Kind = (g) => {
  const x = g.r.pick(g.w.roles);
  return set('role', roleFields(g, x.id, x.guild));
};
const roleDelete: Kind = (g) => del('role', { roleId: g.r.pick(g.w.roles).id });
const removeRole: Kind = (g) => {
  const x = g.r.pick(g.w.roles);
  return mutation.removeRole(x.guild, x.id);
};

const emojiSet: Kind = (g) => {
  const x = g.r.pick(g.w.emojis);
  return set('emoji', emojiFields(g, x.id, x.guild));
};
const emojiDelete: Kind = (g) => del('emoji', { emojiId: g.r.pick(g.w.emojis).id });

const memberSet: Kind = (g) => set('member', memberFields(g, g.r.pick(g.w.guilds), someUser(g)));
const memberMerge: Kind = (g) => {
  const { r } = g;
  const guild = r.pick(g.w.guilds);
  const u = someUser(g);
  // The patch's user: whole, partial, without its id (the key gives it), or none.
  const user = r.pick([userFields(g, u), { id: u, username: `p${r.int(3)}` }, { global_name: `q${r.int(3)}` }, undefined]);
  const roles = g.w.roles.filter((x) => x.guild === guild && r.chance(0.4)).map((x) => x.id);
  const patch: Fields = { nick: `m${r.int(3)}`, ...(r.chance(0.3) ? { roles } : {}), ...(user ? { user } : {}) };
  if (r.chance(0.5)) return merge('member', { guildId: guild, userId: u }, { ...patch, ...(r.chance(0.5) ? { guild_id: guild } : {}) }, true);
  return merge('member', { guildId: guild, userId: u }, patch, false);
};
const memberDelete: Kind = (g) => del('member', { guildId: g.r.pick(g.w.guilds), userId: someUser(g) });

const presenceSet: Kind = (g) => set('presence', presenceFields(g, g.r.pick(g.w.guilds), g.r.pick(g.w.users)));
const presenceMerge: Kind = (g) => {
  const { r } = g;
  const guild = r.pick(g.w.guilds);
  const u = r.pick(g.w.users);
  // A patch's `user` replaces the stored one; without its id the key's is kept.
  const user = r.pick([{ id: u }, { id: u, username: `p${r.int(3)}` }, { username: `p${r.int(3)}` }, undefined]);
  const patch: Fields = { status: r.pick(['online', 'idle', 'dnd']), ...(user ? { user } : {}) };
  if (r.chance(0.5))
    return merge('presence', { guildId: guild, userId: u }, { ...without(g, presenceFields(g, guild, u), ['guild_id', 'user']), ...patch }, true);
  return merge('presence', { guildId: guild, userId: u }, patch, false);
};
const presenceDelete: Kind = (g) => del('presence', { guildId: g.r.pick(g.w.guilds), userId: g.r.pick(g.w.users) });

const voiceSet: Kind = (g) => set('voiceState', voiceFields(g, g.r.pick(g.w.guilds), someUser(g)));
const voiceMerge: Kind = (g) => {
  const { r } = g;
  const guild = r.pick(g.w.guilds);
  const u = someUser(g);
  const key = { guildId: guild, userId: u };
  if (r.chance(0.4)) return merge('voiceState', key, without(g, voiceFields(g, guild, u), ['guild_id', 'user_id', 'channel_id'], 0.4), true);
  // A move to another channel of the guild, a leave (channel_id null), or a flag.
  const channelId = r.chance(0.2) ? null : r.pick(g.w.channels.filter((c) => c.guild === guild)).id;
  return merge('voiceState', key, r.chance(0.6) ? { channel_id: channelId } : { self_mute: r.chance(0.5) }, false);
};
const voiceDelete: Kind = (g) => del('voiceState', { guildId: g.r.pick(g.w.guilds), userId: someUser(g) });

/** Most sets keep their channel at 3 messages; some at another limit, some at none (the channel grows until a limited set trims it). */
function channelLimit(g: Gen): Lifetime {
  const x = g.r.int(10);
  return x < 7 ? { channelLimit: 3 } : x < 9 ? { channelLimit: 1 + g.r.int(4) } : {};
}

const messageSet: Kind = (g) => set('message', messageFields(g, g.r.pick(g.w.messages)), { ...channelLimit(g), ...ttl(g, 0.2) });
const messageMerge: Kind = (g) => {
  const { r } = g;
  const id = r.pick(g.w.messages);
  if (r.chance(0.3)) {
    // An upsert carries its channel ([upsert]), the message's own ([move]); it may leave out the id.
    const created = without(g, messageFields(g, id), ['id', 'guild_id', 'author']);
    return merge('message', { messageId: id }, created, true, { ...channelLimit(g), ...ttl(g, 0.3) });
  }
  const patch = r.pick<Fields>([
    { content: `e${r.int(4)}` },
    { content: `e${r.int(4)}`, edited_timestamp: '2024-01-02T03:04:06.000000+00:00' },
    { pinned: r.chance(0.5) },
    // Another author moves the message between author indexes (it stays in its channel).
    { author: userFields(g, r.pick(g.w.users)) },
  ]);
  return merge('message', { messageId: id }, patch, false);
};
const messageDelete: Kind = (g) => del('message', { messageId: g.r.pick(g.w.messages) });

const react: Kind = (g) => mutation.react(g.r.pick(g.w.messages), reactionChange(g) as never);

const inviteSet: Kind = (g) => set('invite', inviteFields(g, g.r.pick(g.w.invites)), ttl(g, 0.25));
const inviteMerge: Kind = (g) => {
  const code = g.r.pick(g.w.invites);
  if (!g.r.chance(0.4)) return merge('invite', { code }, { uses: g.r.int(5) }, false);
  // An upsert may leave out its code (the key's) and, now and then, its channel and guild (an invite placed nowhere).
  return merge(
    'invite',
    { code },
    without(g, inviteFields(g, code), ['code', ...(g.r.chance(0.15) ? ['channel_id', 'guild_id'] : [])], 0.6),
    true,
    ttl(g, 0.4),
  );
};
const inviteDelete: Kind = (g) => del('invite', { code: g.r.pick(g.w.invites) });

const userSet: Kind = (g) => {
  const u = someUser(g);
  return set('user', userFields(g, u), userTtl(g, u, 0.4));
};
const userMerge: Kind = (g) => {
  const u = someUser(g);
  if (g.r.chance(0.5)) return merge('user', { userId: u }, { username: `v${g.r.int(3)}` }, false);
  return merge('user', { userId: u }, without(g, userFields(g, u), ['id']), true, userTtl(g, u, 0.4));
};
const userDelete: Kind = (g) => del('user', { userId: someUser(g) });

const me: Kind = (g) => {
  const u = g.r.pick(g.w.users);
  const x = g.r.int(4);
  if (x === 0) return set('me', userFields(g, u));
  if (x === 1) return del('me', {});
  return merge('me', {}, x === 2 ? { username: `me${g.r.int(3)}` } : userFields(g, u), x === 3);
};

/** A replaceForGuild of any guild child resource: a random subset, sometimes none at all, sometimes with an id twice (different values). */
const replace: Kind = (g) => {
  const { r } = g;
  const resource = r.pick(GUILD_CHILD_RESOURCES);
  const guild = r.pick(g.w.guilds);
  const pool = replacePool(g.w, resource, guild);
  const ids = r.chance(0.15) ? [] : pool.filter(() => r.chance(0.5));
  if (ids.length > 0 && r.chance(0.25)) ids.splice(r.int(ids.length + 1), 0, r.pick(ids));
  return mutation.replaceForGuild(resource, guild, ids.map((id) => replaceValue(g, resource, guild, id)) as never);
};

/** Every (resource, scope) pair with an index. */
const CLEAR_SCOPES: readonly (readonly [ScopedResource, string])[] = (Object.keys(RESOURCE_SCOPES) as ScopedResource[]).flatMap((resource) =>
  (RESOURCE_SCOPES[resource] as readonly string[]).map((scope) => [resource, scope] as const),
);

/** A clearFor of any resource by any of its scopes, of an id in the pools. */
const clear: Kind = (g) => {
  const [resource, scope] = g.r.pick(CLEAR_SCOPES);
  const pool: readonly string[] = scope === 'guild' ? g.w.guilds : scope === 'channel' ? g.w.channels.map((c) => c.id) : g.w.users;
  // A member clear by user may drop a ttlUser's last member; presences and authors are never ttlUsers ([refs]).
  return mutation.clearFor(resource, scope as never, resource === 'member' && scope === 'user' ? someUser(g) : g.r.pick(pool));
};

/** A write of an id nothing ever set: a delete, a plain merge, a react, a role removal, a clear, an empty replace. */
const ghost: Kind = (g) => {
  const { r, w } = g;
  const gh = w.ghosts;
  const resource = r.pick(GHOST_RESOURCES);
  switch (r.int(6)) {
    case 0:
      return del(resource, ghostKey(g, resource));
    case 1:
      // A plain merge of an absent entry does nothing, a member patch's user included.
      return merge(resource, ghostKey(g, resource), resource === 'member' ? { nick: 'x', user: { username: 'x' } } : { name: 'x' }, false);
    case 2:
      return mutation.react(gh.message, reactionChange(g) as never);
    case 3:
      return r.chance(0.5) ? mutation.removeRole(r.pick(w.guilds), gh.role) : mutation.removeRole(gh.guild, r.pick(w.roles).id);
    case 4: {
      const [res, scope] = r.pick(CLEAR_SCOPES);
      return mutation.clearFor(res, scope as never, scope === 'guild' ? gh.guild : scope === 'channel' ? gh.channel : gh.user);
    }
    default:
      return mutation.replaceForGuild(r.pick(GUILD_CHILD_RESOURCES), gh.guild, []);
  }
};

/** Every kind with its weight. */
const KINDS: readonly (readonly [number, Kind])[] = [
  [4, guildSet],
  [4, guildMerge],
  [1, guildDelete],
  [4, channelSet],
  [2, (g) => placedMerge(g, 'channel', g.w.channels, channelFields)],
  [3, channelDelete],
  [4, roleSet],
  [2, (g) => placedMerge(g, 'role', g.w.roles, roleFields)],
  [1, roleDelete],
  [4, removeRole],
  [3, emojiSet],
  [2, (g) => placedMerge(g, 'emoji', g.w.emojis, emojiFields)],
  [1, emojiDelete],
  [8, memberSet],
  [6, memberMerge],
  [4, memberDelete],
  [4, presenceSet],
  [3, presenceMerge],
  [2, presenceDelete],
  [4, voiceSet],
  [2, voiceMerge],
  [3, voiceDelete],
  [9, messageSet],
  [5, messageMerge],
  [4, messageDelete],
  [6, react],
  [4, inviteSet],
  [2, inviteMerge],
  [3, inviteDelete],
  [4, userSet],
  [2, userMerge],
  [1, userDelete],
  [1, me],
  [8, replace],
  [6, clear],
  [3, ghost],
];

/**
 * The kinds an expiring batch leans to: the writes that take a ttlMs, and the member writes that give
 * a user a reference or take its last one away (a user's ttlMs depends on them).
 */
const EXPIRING_KINDS: readonly (readonly [number, Kind])[] = [
  [3, messageSet],
  [1, messageMerge],
  [2, inviteSet],
  [1, inviteMerge],
  [4, userSet],
  [1, userMerge],
  [2, memberSet],
  [1, memberMerge],
  [3, memberDelete],
  [1, clear],
];
