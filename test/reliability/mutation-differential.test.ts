// Differential at the write contract itself: seeded random batches of every mutation type (set,
// merge with and without upsert, delete, replaceForGuild, clearFor, react, removeRole), over small
// pools of ids so batches keep touching the same entries, go to MemoryCache (the reference), to
// RedisCache on one node and on the cluster, and to PostgresCache. After every batch the four must show the same
// contents through the whole public read API, and apply must report the same old values. Event-level
// tests go through the listener, which never produces most of these interleavings; this is where a
// Redis batch plan that reorders, drops or double-applies work shows up. A failure prints the seed
// and the batch: SAKE_MUT_SEED=<seed> npx vitest run test/reliability/mutation-differential.test.ts
// (SAKE_MUT_BATCHES=<n> for longer runs, SAKE_MUT_FULL=1 to print the whole failing batch).
// Known divergence, left open: a message re-set into another channel (a move no gateway event makes;
// the generator keeps each message in its channel) — RedisCache removes it from the old channel's
// index after the batch's index writes, so that channel's limit counts it once more meanwhile.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mutation, type ApplyResult, type Backend, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import { uniquePrefix } from './support/feed.js';
import { firstDifferences, snapshots } from './support/snapshot.js';

const SEED = Number(process.env.SAKE_MUT_SEED ?? 0x6d7574);
const BATCHES = Number(process.env.SAKE_MUT_BATCHES ?? 300);
const totals = { batches: 0, mutations: 0, oldValues: 0 };
afterAll(() =>
  console.log(
    `[mutation-differential] seed ${SEED}: ${totals.batches} batches, ${totals.mutations} mutations, ${totals.oldValues} old values compared, on 4 backends`,
  ),
);

/** A small deterministic generator (mulberry32). */
function random(seed: number): { int(n: number): number; pick<T>(list: readonly T[]): T; chance(p: number): boolean } {
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

let counter = 300_000_000_000_000_000n;
const sf = (): string => (counter += 4_194_304n).toString();

/** The id pools: two guilds, their channels, roles and emojis; users, messages, invite codes. */
function world() {
  const guilds = [sf(), sf()];
  const channels = guilds.flatMap((g) => [sf(), sf()].map((id) => ({ id, guild: g })));
  const roles = guilds.flatMap((g) => [sf(), sf(), sf()].map((id) => ({ id, guild: g })));
  const emojis = guilds.map((g) => ({ id: sf(), guild: g }));
  const users = Array.from({ length: 6 }, () => sf());
  // A message keeps its channel, as on Discord (see the known divergence above); more messages than a
  // channel's limit, so sets evict.
  const messageChannels = new Map(Array.from({ length: 20 }, (_, i) => [sf(), channels[i % channels.length]!] as const));
  const messages = [...messageChannels.keys()];
  const invites = ['inviteA', 'inviteB', 'inviteC'];
  return { guilds, channels, roles, emojis, users, messages, messageChannels, invites };
}

type World = ReturnType<typeof world>;
type Random = ReturnType<typeof random>;

const user = (id: string, r: Random): Record<string, unknown> => ({
  id,
  username: `u${r.int(5)}`,
  discriminator: '0',
  global_name: r.chance(0.5) ? null : `G${r.int(3)}`,
  avatar: null,
});

function member(w: World, r: Random, guild: string, userId: string): Record<string, unknown> {
  const roles = w.roles.filter((x) => x.guild === guild && r.chance(0.5)).map((x) => x.id);
  return {
    guild_id: guild,
    user: user(userId, r),
    roles,
    nick: r.chance(0.3) ? `n${r.int(4)}` : null,
    joined_at: '2024-01-02T03:04:05.000000+00:00',
    deaf: false,
    mute: false,
    flags: 0,
  };
}

function message(w: World, r: Random, id: string): Record<string, unknown> {
  const channel = w.messageChannels.get(id)!;
  return {
    id,
    channel_id: channel.id,
    guild_id: channel.guild,
    author: user(r.pick(w.users), r),
    content: `c${r.int(6)}`,
    timestamp: '2024-01-02T03:04:05.000000+00:00',
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 0,
  };
}

const emoji = (r: Random): { id: string | null; name: string } =>
  r.chance(0.5) ? { id: null, name: r.pick(['👍', '🎉']) } : { id: '400000000000000001', name: 'party' };

/** One random mutation over the pools. */
function randomMutation(w: World, r: Random): Mutation {
  const guild = r.pick(w.guilds);
  const channel = r.pick(w.channels);
  const role = r.pick(w.roles);
  const u = r.pick(w.users);
  const m = r.pick(w.messages);
  switch (r.int(25)) {
    case 0:
      return mutation.set('guild', { id: guild, name: `g${r.int(3)}` } as never);
    case 1:
      // An upsert carries the key fields (the contract's rule; GUILD_UPDATE always sends the id).
      return r.chance(0.5)
        ? mutation.merge('guild', { guildId: guild }, { id: guild, name: `g${r.int(3)}` }, true)
        : mutation.merge('guild', { guildId: guild }, { name: `g${r.int(3)}` }, false);
    case 2:
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc rejects the argument without it
      return mutation.set('channel', { id: channel.id, guild_id: channel.guild, type: 0, name: `ch${r.int(3)}` } as never);
    case 3:
      return mutation.delete('channel', { channelId: channel.id });
    case 4:
      return mutation.set('role', {
        id: role.id,
        guild_id: role.guild,
        name: `r${r.int(3)}`,
        color: r.int(3),
        position: 1,
        permissions: '0',
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      } as never);
    case 5:
      return mutation.removeRole(role.guild, role.id);
    case 6:
    case 7:
      return mutation.set('member', member(w, r, guild, u) as never);
    case 8:
      // An upsert carries the user (as every gateway event that upserts a member does); a plain merge may not.
      if (r.chance(0.5))
        return mutation.merge('member', { guildId: guild, userId: u }, { nick: `m${r.int(3)}`, user: { id: u, username: `p${r.int(3)}` } } as never, true);
      return mutation.merge(
        'member',
        { guildId: guild, userId: u },
        { nick: `m${r.int(3)}`, ...(r.chance(0.5) ? { user: { id: u, username: `p${r.int(3)}` } } : {}) } as never,
        false,
      );
    case 9:
      return mutation.delete('member', { guildId: guild, userId: u });
    case 10:
      return mutation.set('presence', { guild_id: guild, user: { id: u }, status: r.pick(['online', 'idle']), activities: [], client_status: {} } as never);
    case 11:
      return mutation.set('voiceState', {
        guild_id: channel.guild,
        user_id: u,
        channel_id: channel.id,
        session_id: 's',
        deaf: false,
        mute: false,
        self_deaf: false,
        self_mute: false,
        self_video: false,
        suppress: false,
        request_to_speak_timestamp: null,
      });
    case 12:
      return mutation.delete('voiceState', { guildId: guild, userId: u });
    case 13:
    case 14:
      return mutation.set('message', message(w, r, m) as never, { channelLimit: 3 });
    case 15:
      return mutation.merge('message', { messageId: m }, { content: `e${r.int(4)}` }, false);
    case 16:
      return mutation.react(
        m,
        r.chance(0.7)
          ? { op: 'add', emoji: emoji(r), burst: r.chance(0.2), me: r.chance(0.3) }
          : { op: 'remove', emoji: emoji(r), burst: false, me: r.chance(0.3) },
      );
    case 17:
      return mutation.delete('message', { messageId: m });
    case 18:
      return mutation.set('user', user(u, r) as never);
    case 19:
      return mutation.set('invite', {
        code: r.pick(w.invites),
        channel_id: channel.id,
        guild_id: channel.guild,
        max_age: 0,
        max_uses: 0,
        uses: 0,
        temporary: false,
        created_at: '2024-01-02T03:04:05.000000+00:00',
      } as never);
    case 20:
      return mutation.delete('invite', { code: r.pick(w.invites) });
    case 21:
      return mutation.replaceForGuild(
        'role',
        guild,
        w.roles
          .filter((x) => x.guild === guild && r.chance(0.6))
          .map((x) => ({
            id: x.id,
            guild_id: guild,
            name: 'rr',
            color: 0,
            position: 1,
            permissions: '0',
            hoist: false,
            managed: false,
            mentionable: false,
            flags: 0,
          })) as never,
      );
    case 22:
      return mutation.replaceForGuild('member', guild, w.users.filter(() => r.chance(0.4)).map((id) => member(w, r, guild, id)) as never);
    case 23:
      // Channel removals whose channels only the backend knows: the channel cascade (each channel's messages, invites, voice states).
      if (r.chance(0.8)) {
        // Partial channels (all a removal needs): `as never` lets them past the entity type.
        const kept = w.channels.filter((x) => x.guild === guild && r.chance(0.6)).map((x) => ({ id: x.id, guild_id: guild, type: 0, name: 'cc' })) as never;
        return mutation.replaceForGuild('channel', guild, kept);
      }
      return mutation.clearFor('channel', 'guild', guild);
    default:
      return r.pick([
        mutation.clearFor('message', 'channel', channel.id),
        mutation.clearFor('member', 'guild', guild),
        mutation.clearFor('voiceState', 'channel', channel.id),
        mutation.clearFor('message', 'author', u),
      ]);
  }
}

const clusterNodes = (): { host: string; port: number }[] =>
  inject('redisClusterNodes').map((n) => {
    const [host, port] = n.split(':');
    return { host: host!, port: Number(port) };
  });

describe('differential at the write contract: MemoryCache vs RedisCache (single node and cluster) vs PostgresCache', () => {
  it(`random batches of every mutation type leave identical contents and report identical old values (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const caches: Backend[] = [
      new MemoryCache(),
      new RedisCache(inject('redisUrl'), { prefix: uniquePrefix('mutdiff'), sweepIntervalMs: 0, userBuckets: 8 }),
      new RedisCache({ clusterNodes: clusterNodes() }, { prefix: uniquePrefix('mutdiffc'), sweepIntervalMs: 0, userBuckets: 8 }),
      new PostgresCache(inject('pgUrl'), { schema: uniquePrefix('mutdiff').replace(/[^A-Za-z0-9_]/g, '_'), sweepIntervalMs: 0 }),
    ];
    await Promise.all(caches.map((c) => c.open()));
    try {
      const r = random(SEED);
      const w = world();
      for (let b = 0; b < BATCHES; b++) {
        const batch = Array.from({ length: 1 + r.int(12) }, () => randomMutation(w, r));
        const old = batch.flatMap((m, i) =>
          (m.type === 'set' || m.type === 'merge' || m.type === 'delete' || m.type === 'react') && r.chance(0.5) ? [i] : [],
        );
        const results = await Promise.all(caches.map((c) => c.apply(batch, { old }) as Promise<ApplyResult>));
        const where = `seed ${SEED}, batch ${b}: ${JSON.stringify(batch).slice(0, process.env.SAKE_MUT_FULL ? undefined : 1500)}`;
        for (const [i, result] of results.entries()) expect(result.old, `old values of backend ${i}; ${where}`).toEqual(results[0]!.old);
        const [reference, ...others] = await snapshots(caches);
        for (const [i, other] of others.entries()) expect(firstDifferences(reference!, other, 8), `backend ${i + 1} vs MemoryCache; ${where}`).toEqual([]);
        // The snapshot compares scoped entries; len() counts the index itself, so a stale index entry shows here.
        const lens = await Promise.all(
          caches.map((c) =>
            Promise.all([
              ...w.channels.map((ch) => c.iterMessagesForChannel(ch.id).len()),
              ...w.guilds.map((g) => c.iterMessagesForGuild(g).len()),
              ...w.users.map((u) => c.iterMessagesForAuthor(u).len()),
              ...w.channels.map((ch) => c.iterVoiceStatesForChannel(ch.id).len()),
              ...w.users.map((u) => c.iterMembersForUser(u).len()),
            ]),
          ),
        );
        for (const [i, l] of lens.entries()) expect(l, `scoped len() of backend ${i}; ${where}`).toEqual(lens[0]);
        totals.batches++;
        totals.mutations += batch.length;
        totals.oldValues += old.length;
      }
    } finally {
      await Promise.all(caches.map((c) => c.close()));
    }
  });
});
