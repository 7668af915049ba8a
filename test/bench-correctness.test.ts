/**
 * The benchmark's correctness check: the quick bench's data (same seeded
 * generator, small sizes, with fields no codec knows, Discord's own timestamp
 * format and animated avatar hashes mixed in) goes through GatewayListener
 * into each backend, and everything read back through the public API must
 * deep-equal what was ingested, field for field. So an optimisation of the
 * Redis encoding can't silently drop or reshape data. MemoryCache runs the
 * same checks as the control: a failure only on RedisCache is RedisCache's.
 * No timings here: those belong to `pnpm bench`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Backend, MemberEntity } from '@sake/abc';
import { buildIngestDataset, buildMessageCreates, type IngestDataset } from '@sake/bench';
import { GatewayListener } from '@sake/gateway';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import type { APIUser, GatewayDispatchPayload, GatewayGuildCreateDispatchData, GatewayMessageCreateDispatchData } from 'discord-api-types/v10';

/** Fields of GUILD_CREATE that live in their own resources. */
const CHILD_FIELDS = ['members', 'channels', 'threads', 'roles', 'emojis', 'presences', 'voice_states'];
/** Field names the dataset uses for data no codec knows (see bench/src/dataset.ts). */
const UNKNOWN_FIELDS = ['avatar_decoration_data', 'collectibles', 'primary_guild', 'x_sake_future', 'x_sake_nested', 'clan'];

type Json = Record<string, unknown>;

/** What each read must return, computed (and deep-copied) before anything is ingested. */
interface Expected {
  guilds: Map<string, Json>;
  roles: Map<string, Json>;
  emojis: Map<string, Json>;
  channels: Map<string, Json>;
  members: Map<string, Map<string, Json>>;
  users: Map<string, APIUser>;
  presences: Map<string, Json>;
  voiceStates: Map<string, Json>;
  messages: Map<string, Json>;
}

function expectedOf(dataset: IngestDataset, messages: readonly GatewayDispatchPayload[]): Expected {
  const out: Expected = {
    guilds: new Map(),
    roles: new Map(),
    emojis: new Map(),
    channels: new Map(),
    members: new Map(),
    users: new Map(),
    presences: new Map(),
    voiceStates: new Map(),
    messages: new Map(),
  };
  for (const guild of dataset.guilds) {
    const g = guild.guildId;
    const d = guild.create.d as GatewayGuildCreateDispatchData;
    const entity: Json = {};
    for (const [key, value] of Object.entries(d)) if (!CHILD_FIELDS.includes(key)) entity[key] = value;
    out.guilds.set(g, entity);
    for (const role of d.roles) out.roles.set(role.id, { ...role, guild_id: g });
    for (const emoji of d.emojis) out.emojis.set(emoji.id!, { ...emoji, guild_id: g });
    for (const channel of [...d.channels, ...d.threads]) out.channels.set(channel.id, { ...channel, guild_id: g });
    for (const presence of d.presences) out.presences.set(`${g}:${presence.user.id}`, { ...presence, guild_id: g, user: { id: presence.user.id } });
    for (const voice of d.voice_states) out.voiceStates.set(`${g}:${voice.user_id}`, { ...voice, guild_id: g });
    const members = new Map<string, Json>();
    for (const member of guild.members) {
      members.set(member.user.id, { ...member, guild_id: g });
      out.users.set(member.user.id, member.user);
    }
    out.members.set(g, members);
  }
  for (const payload of messages) {
    const { member: _member, ...message } = payload.d as GatewayMessageCreateDispatchData;
    out.messages.set(message.id, message);
    out.users.set(message.author.id, message.author);
  }
  // A deep copy: if ingesting mutated the payloads, the comparison must not follow along.
  return structuredClone(out);
}

function countWithUnknownFields(values: Iterable<Json>): number {
  let n = 0;
  for (const value of values) if (UNKNOWN_FIELDS.some((f) => f in value)) n++;
  return n;
}

const dataset = buildIngestDataset({
  guildSizes: [1_500, 320, 60],
  unknownFieldShare: 0.2,
  discordTimestampShare: 0.5,
  animatedAvatarShare: 0.2,
});
const messages = buildMessageCreates(dataset, 300, { unknownFieldShare: 0.3, discordTimestampShare: 0.5 });
const expected = expectedOf(dataset, messages);

describe('the bench dataset itself', () => {
  it('exercises what the codec must carry: unknown fields, Discord timestamps, animated avatars, chunks', () => {
    const members = [...expected.members.values()].flatMap((m) => [...m.values()]);
    expect(countWithUnknownFields(members)).toBeGreaterThan(50);
    expect(countWithUnknownFields(expected.users.values() as Iterable<Json>)).toBeGreaterThan(50);
    expect(countWithUnknownFields(expected.messages.values())).toBeGreaterThan(20);
    expect(members.filter((m) => String(m.joined_at).endsWith('+00:00')).length).toBeGreaterThan(100);
    expect([...expected.users.values()].filter((u) => u.avatar?.startsWith('a_')).length).toBeGreaterThan(10);
    expect(dataset.guilds[0]!.chunks.length).toBeGreaterThan(0);
    expect(expected.presences.size).toBeGreaterThan(0);
    expect(expected.voiceStates.size).toBeGreaterThan(0);
    expect([...expected.messages.values()].filter((m) => (m.embeds as unknown[]).length > 0).length).toBeGreaterThan(10);
    // Every message must still be cached: no channel may pass the default 100-message limit.
    const perChannel = new Map<string, number>();
    for (const m of expected.messages.values()) perChannel.set(String(m.channel_id), (perChannel.get(String(m.channel_id)) ?? 0) + 1);
    expect(Math.max(...perChannel.values())).toBeLessThan(100);
  });
});

const backends: [name: string, make: () => Backend][] = [
  ['MemoryCache (control)', () => new MemoryCache()],
  ['RedisCache', () => new RedisCache(inject('redisUrl'), { prefix: `benchcheck:${randomBytes(4).toString('hex')}:`, sweepIntervalMs: 0 })],
  // A schema of its own on the test PostgreSQL (PG_URL may be a developer's server: nothing outside it is touched).
  ['PostgresCache', () => new PostgresCache(inject('pgUrl'), { schema: `benchcheck_${randomBytes(4).toString('hex')}`, sweepIntervalMs: 0 })],
];

describe.each(backends)('bench data read back from %s', (_name, make) => {
  let cache: Backend;

  beforeAll(async () => {
    cache = make();
    await cache.open();
    const listener = new GatewayListener(cache, {}, { logger: { debug() {}, warn() {}, error() {} } });
    for (const guild of dataset.guilds) {
      listener.handle(guild.create, 0);
      for (const chunk of guild.chunks) listener.handle(chunk, 0);
    }
    for (const message of messages) listener.handle(message, 0);
    await listener.idle();
    const stats = listener.stats();
    expect({ failed: stats.failed, malformed: stats.malformed }).toEqual({ failed: 0, malformed: 0 });
  }, 120_000);

  afterAll(async () => {
    if (cache instanceof RedisCache && cache.isAlive) {
      // Leave nothing behind under this test's prefix (REDIS_URL may be a developer's server).
      const client = cache.client;
      const keys = await collectKeys(client, `${cache.prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeAll failed
    await cache?.close();
  });

  it('every member, with its user joined, field for field', async () => {
    for (const [guildId, members] of expected.members) {
      const got = await Promise.all([...members.keys()].map((userId) => cache.getMember(guildId, userId)));
      expect(got).toStrictEqual([...members.values()]);
    }
  });

  it('every member of a guild through iterMembersForGuild', async () => {
    const byUser = (a: MemberEntity | Json, b: MemberEntity | Json): number => ((a.user as APIUser).id < (b.user as APIUser).id ? -1 : 1);
    for (const [guildId, members] of expected.members) {
      const iterator = cache.iterMembersForGuild(guildId);
      expect(await iterator.len()).toBe(members.size);
      const got = (await iterator.toArray()).sort(byUser);
      expect(got).toStrictEqual([...members.values()].sort(byUser));
    }
  });

  it('every user', async () => {
    const ids = [...expected.users.keys()];
    expect(await Promise.all(ids.map((id) => cache.getUser(id)))).toStrictEqual([...expected.users.values()]);
  });

  it('every guild, without its children, unknown fields included', async () => {
    for (const [guildId, guild] of expected.guilds) expect(await cache.getGuild(guildId)).toStrictEqual(guild);
  });

  it('every role, emoji, channel and thread', async () => {
    for (const [id, role] of expected.roles) expect(await cache.getRole(id)).toStrictEqual(role);
    for (const [id, emoji] of expected.emojis) expect(await cache.getEmoji(id)).toStrictEqual(emoji);
    for (const [id, channel] of expected.channels) expect(await cache.getGuildChannel(id)).toStrictEqual(channel);
  });

  it('every presence and voice state', async () => {
    for (const [key, presence] of expected.presences) {
      const [guildId, userId] = key.split(':') as [string, string];
      expect(await cache.getPresence(guildId, userId)).toStrictEqual(presence);
    }
    for (const [key, voice] of expected.voiceStates) {
      const [guildId, userId] = key.split(':') as [string, string];
      expect(await cache.getVoiceState(guildId, userId)).toStrictEqual(voice);
    }
  });

  it('every message, embeds and mentions included', async () => {
    const ids = [...expected.messages.keys()];
    expect(await Promise.all(ids.map((id) => cache.getMessage(id)))).toStrictEqual([...expected.messages.values()]);
  });
});

/** Every key matching `pattern` (SCAN, never KEYS). */
async function collectKeys(client: RedisCache['client'], pattern: string): Promise<string[]> {
  const out: string[] = [];
  const nodes = 'nodes' in client ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}
