// End to end: a real @discordjs/ws WebSocketManager connects to the local fake gateway
// (@sake/simulator), a GatewayListener feeds a backend, and after every phase the whole
// cache is compared with the simulated world: after the initial GUILD_CREATEs, after a
// scripted event stream, after a forced disconnect + RESUME (with events replayed), after a
// fresh IDENTIFY where a guild lost members while the bot was away, and after requestMembers.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { PostgresCache } from '@sake/postgres';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';
import { EventScript, FakeGateway, World, buildInvite, buildVoiceState, createManager } from '@sake/simulator';

// Small, so the per-channel eviction (and its interplay with deletes) is exercised; the world forgets
// its oldest messages by the same rule, so it stays exactly what the cache should hold.
const MESSAGES_PER_CHANNEL = 5;

/** A backend under test: how to make a fresh, open, empty one, and how to dispose of it. */
interface BackendFactory {
  name: string;
  create(): Promise<Backend>;
  dispose(backend: Backend): Promise<void>;
}

const backends: BackendFactory[] = [
  {
    name: 'MemoryCache',
    async create() {
      const cache = new MemoryCache();
      await cache.open();
      return cache;
    },
    async dispose(cache) {
      await cache.close();
    },
  },
  {
    name: 'RedisCache',
    async create() {
      // A prefix of its own, on the Redis the global setup started (never the shared 6379).
      const cache = new RedisCache(inject('redisUrl'), { prefix: `e2e-gateway:${randomBytes(4).toString('hex')}:`, sweepIntervalMs: 0 });
      await cache.open();
      return cache;
    },
    async dispose(cache) {
      await cache.close();
    },
  },
  {
    name: 'PostgresCache',
    async create() {
      // A schema of its own, on the PostgreSQL the global setup started (never the machine's 5432).
      const cache = new PostgresCache(inject('pgUrl'), { schema: `e2e_gateway_${randomBytes(4).toString('hex')}`, sweepIntervalMs: 0 });
      await cache.open();
      return cache;
    },
    async dispose(cache) {
      await cache.close();
    },
  },
];

/** Waits until the listener has received and applied everything the gateway sent so far. */
class Sync {
  #next = 1;
  readonly #waiting = new Map<number, () => void>();

  constructor(
    private readonly gateway: FakeGateway,
    private readonly listener: GatewayListener,
  ) {
    // TYPING_START is not cached: it is a marker that travels the same socket, in order.
    listener.on('TYPING_START', (d) => {
      this.#waiting.get(d.timestamp)?.();
      this.#waiting.delete(d.timestamp);
    });
  }

  /** Send a marker down every shard and wait for all of them, then for the listener's queue to drain. */
  async all(): Promise<void> {
    const markers: Promise<void>[] = [];
    for (let shard = 0; shard < this.gateway.shardCount; shard++) {
      const id = this.#next++;
      markers.push(new Promise((resolve) => this.#waiting.set(id, resolve)));
      const marker = { op: 0, t: 'TYPING_START', s: 0, d: { channel_id: '1', user_id: '1', timestamp: id } } as const;
      this.gateway.dispatch(marker as Parameters<FakeGateway['dispatch']>[0], shard);
    }
    await Promise.all(markers);
    await this.listener.idle();
  }
}

const sortIds = (ids: Iterable<string>) => [...ids].sort();
const reactionSummary = (reactions: { emoji: { id?: string | null; name?: string | null }; count: number; me: boolean }[] | undefined) =>
  (reactions ?? []).map((r) => `${r.emoji.id ?? r.emoji.name}:${r.count}:${r.me}`).sort();

/** Assert that the whole cache holds exactly what the world says it should. */
async function expectCacheMatchesWorld(cache: Backend, world: World): Promise<void> {
  expect((await cache.getMe()).id).toBe(world.me.id);
  expect(sortIds((await cache.iterGuilds().toArray()).map((g) => g.id))).toEqual(sortIds(world.guilds.keys()));
  const expectedMessages = new Set<string>();
  const expectedInvites: string[] = [];

  for (const [guildId, state] of world.guilds) {
    const guild = await cache.getGuild(guildId);
    expect(guild).toMatchObject({ name: state.guild.name, description: state.guild.description, unavailable: false });

    const channels = await cache.iterGuildChannelsForGuild(guildId).toArray();
    expect(sortIds(channels.map((c) => c.id))).toEqual(sortIds([...state.channels.keys(), ...state.threads.keys()]));
    for (const c of state.channels.values()) {
      const cached = channels.find((x) => x.id === c.id) as { name?: string; last_pin_timestamp?: string | null } | undefined;
      expect(cached?.name, `channel ${c.id}`).toBe(c.name);
      if (c.last_pin_timestamp) expect(cached?.last_pin_timestamp).toBe(c.last_pin_timestamp);
    }

    const roles = await cache.iterRolesForGuild(guildId).toArray();
    expect(roles.map((r) => `${r.id}:${r.name}:${r.color}`).sort()).toEqual([...state.roles.values()].map((r) => `${r.id}:${r.name}:${r.color}`).sort());
    expect(sortIds((await cache.iterEmojisForGuild(guildId).toArray()).map((e) => e.id))).toEqual(sortIds(state.emojis.keys()));

    const members = await cache.iterMembersForGuild(guildId).toArray();
    expect(sortIds(members.map((m) => m.user.id)), `members of ${guildId}`).toEqual(sortIds(state.members.keys()));
    for (const m of members) {
      const truth = state.members.get(m.user.id)!;
      const user = world.users.get(m.user.id)!;
      expect(
        { nick: m.nick ?? null, roles: [...m.roles].sort(), username: m.user.username, avatar: m.user.avatar, guild: m.guild_id },
        `member ${m.user.id}`,
      ).toEqual({
        nick: truth.nick ?? null,
        roles: [...truth.roles].sort(),
        username: user.username,
        avatar: user.avatar,
        guild: guildId,
      });
    }

    const presences = await cache.iterPresencesForGuild(guildId).toArray();
    expect(presences.map((p) => `${p.user.id}:${p.status}`).sort(), `presences of ${guildId}`).toEqual(
      [...state.presences.values()].map((p) => `${p.user.id}:${p.status}`).sort(),
    );
    const voices = await cache.iterVoiceStatesForGuild(guildId).toArray();
    expect(voices.map((v) => `${v.user_id}:${v.channel_id}`).sort(), `voice of ${guildId}`).toEqual(
      [...state.voiceStates.values()].map((v) => `${v.user_id}:${v.channel_id}`).sort(),
    );

    expectedInvites.push(...state.invites.keys());
    for (const m of world.guildMessages(guildId)) expectedMessages.add(m.id);
  }

  const messages = await cache.iterMessages().toArray();
  expect(sortIds(messages.map((m) => m.id))).toEqual(sortIds(expectedMessages));
  for (const m of messages) {
    const truth = world.messages.get(m.id)!;
    expect({ content: m.content, edited: m.edited_timestamp, reactions: reactionSummary(m.reactions) }, `message ${m.id}`).toEqual({
      content: truth.content,
      edited: truth.edited_timestamp,
      reactions: reactionSummary(truth.reactions),
    });
  }
  expect(sortIds((await cache.iterInvites().toArray()).map((i) => i.code))).toEqual(sortIds(expectedInvites));
}

describe.each(backends)('fake gateway → @discordjs/ws → GatewayListener → $name', (factory) => {
  let world: World;
  let gateway: FakeGateway;
  let manager: ReturnType<typeof createManager>;
  let cache: Backend;
  let listener: GatewayListener;
  let sync: Sync;
  let script: EventScript;
  const identifies: number[] = [];
  const resumes: [number, boolean][] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    world = new World({ seed: 20240601, guilds: 5, membersPerGuild: [30, 90], messagesPerChannel: MESSAGES_PER_CHANNEL });
    gateway = new FakeGateway(world, { shards: 2, heartbeatIntervalMs: 400, chunkSize: 25 });
    gateway.on('identify', (shardId) => identifies.push(shardId));
    gateway.on('resume', (shardId, _d, resumed) => resumes.push([shardId, resumed]));
    await gateway.start();
    cache = await factory.create();
    listener = new GatewayListener(
      cache,
      { messages: { perChannel: MESSAGES_PER_CHANNEL } },
      { logger: { debug() {}, warn: (m) => errors.push(m), error: (m) => errors.push(m) } },
    );
    listener.on('error', (e) => void errors.push(e));
    sync = new Sync(gateway, listener);
    script = new EventScript(world);
    manager = createManager(gateway);
    listener.attach(manager);
    await manager.connect();
  });

  afterAll(async () => {
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- each is undefined when beforeAll failed before setting it */
    listener?.detach();
    await manager?.destroy();
    await gateway?.stop();
    if (cache) await factory.dispose(cache);
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  it('caches READY and every GUILD_CREATE, and heartbeats are acknowledged', async () => {
    await sync.all();
    await new Promise<void>((resolve) => gateway.once('heartbeat', () => resolve()));
    expect(identifies.sort()).toEqual([0, 1]);
    // Both shards carry guilds, so the test exercises more than one socket.
    expect(new Set([...world.guilds.keys()].map((id) => gateway.shardFor(id))).size).toBe(2);
    await expectCacheMatchesWorld(cache, world);
    expect(errors).toEqual([]);
  });

  it('applies a scripted stream of 600 events (messages, reactions, presences, members, voice, invites, channels, roles…)', async () => {
    const events = script.take(600);
    expect(new Set(events.map((e) => e.kind)).size).toBeGreaterThan(15);
    for (const event of events) gateway.dispatch(event.payload);
    await sync.all();
    await expectCacheMatchesWorld(cache, world);
    expect(listener.stats()).toMatchObject({ malformed: 0, failed: 0 });
    // Some channel overflowed its limit, so eviction was part of what was checked.
    const created = events.filter((e) => e.kind === 'messageCreate').map((e) => (e.payload.d as { channel_id: string }).channel_id);
    expect(Math.max(...[...new Set(created)].map((c) => created.filter((x) => x === c).length))).toBeGreaterThan(MESSAGES_PER_CHANNEL);
    expect(errors).toEqual([]);
  });

  it('after a forced disconnect, RESUMEs and applies the events replayed from while it was away', async () => {
    const shard0Guilds = [...world.guilds.keys()].filter((id) => gateway.shardFor(id) === 0);
    expect(shard0Guilds.length).toBeGreaterThan(0);
    await gateway.disconnect(0, 4000);
    expect(gateway.isConnected(0)).toBe(false);
    let missed = 0;
    for (const event of script.take(200)) {
      gateway.dispatch(event.payload);
      if (gateway.shardFor(event.guildId) === 0) missed++;
    }
    expect(missed).toBeGreaterThan(0);
    await sync.all();
    expect(resumes).toContainEqual([0, true]);
    expect(identifies.filter((s) => s === 0)).toHaveLength(1); // resumed, not re-identified
    expect(gateway.droppedDispatches).toBe(0);
    await expectCacheMatchesWorld(cache, world);
    expect(errors).toEqual([]);
  });

  it('after a fresh IDENTIFY, members that left while the bot was away are gone', async () => {
    const guildId = [...world.guilds.keys()].find((id) => gateway.shardFor(id) === 1)!;
    const state = world.guild(guildId);
    const leaving = [...state.members.keys()].filter((id) => id !== world.me.id && id !== state.guild.owner_id).slice(0, 7);
    for (const id of leaving) expect((await cache.getMember(guildId, id)).user.id).toBe(id);

    await gateway.disconnect(1, 4000);
    world.removeMembers(guildId, leaving); // no GUILD_MEMBER_REMOVE is ever sent for them
    const freshSession = new Promise<void>((resolve) => gateway.once('ready', () => resolve()));
    gateway.invalidateSession(1); // so the client's RESUME is refused and it identifies afresh
    await freshSession;
    await sync.all();

    expect(resumes).toContainEqual([1, false]);
    expect(identifies.filter((s) => s === 1)).toHaveLength(2);
    for (const id of leaving) {
      await expect(cache.getMember(guildId, id)).rejects.toThrow();
      await expect(cache.getPresence(guildId, id)).rejects.toThrow();
      await expect(cache.getVoiceState(guildId, id)).rejects.toThrow();
    }
    await expectCacheMatchesWorld(cache, world);
    expect(errors).toEqual([]);
  });

  it('requestMembers fills a guild through REQUEST_GUILD_MEMBERS chunks sent by the manager', async () => {
    const guildId = [...world.guilds.keys()].find((id) => gateway.shardFor(id) === 1)!;
    const expected = world.guild(guildId).members.size;
    await cache.apply([{ type: 'clearFor', resource: 'member', scope: 'guild', id: guildId }]);
    expect(await cache.iterMembersForGuild(guildId).len()).toBe(0);
    const requests: number[] = [];
    gateway.on('requestGuildMembers', (shardId) => requests.push(shardId));

    const result = await listener.requestMembers(guildId, { timeoutMs: 10_000 });

    expect(requests).toEqual([1]);
    expect(result).toEqual({ guildId, members: expected, chunks: Math.ceil(expected / 25), notFound: [] });
    expect(result.chunks).toBeGreaterThan(1);
    await expectCacheMatchesWorld(cache, world);
    expect(errors).toEqual([]);
  });

  it('after a fresh IDENTIFY, channels deleted while the bot was away are gone with their messages, invites and voice states', async () => {
    const guildId = [...world.guilds.keys()].find((id) => gateway.shardFor(id) === 0)!;
    const state = world.guild(guildId);
    // The text channel with the most messages gets an invite, a voice channel someone in it.
    const text = world.textChannels(guildId).sort((a, b) => world.channelMessages(b.id).length - world.channelMessages(a.id).length)[0]!;
    const voiceChannel = world.voiceChannels(guildId)[0]!;
    const invite = buildInvite(world.random, world.clock, guildId, text.id, world.users.get(state.guild.owner_id)!, 0);
    state.invites.set(invite.code, invite);
    gateway.dispatch({ op: 0, t: 'INVITE_CREATE', s: 0, d: invite } as Parameters<FakeGateway['dispatch']>[0]);
    const userId = [...state.members.keys()].find((id) => !state.voiceStates.has(id))!;
    const voice = buildVoiceState(world.random, guildId, voiceChannel.id, userId);
    state.voiceStates.set(userId, voice);
    gateway.dispatch({ op: 0, t: 'VOICE_STATE_UPDATE', s: 0, d: { ...voice, member: world.memberPayload(guildId, userId) } } as Parameters<
      FakeGateway['dispatch']
    >[0]);
    await sync.all();
    const messages = await cache.iterMessagesForChannel(text.id).toArray();
    expect(messages.length).toBeGreaterThan(0);
    expect((await cache.getInvite(invite.code)).channel_id).toBe(text.id);
    expect(await cache.iterVoiceStatesForChannel(voiceChannel.id).len()).toBeGreaterThan(0);

    await gateway.disconnect(0, 4000);
    world.removeChannel(guildId, text.id); // no CHANNEL_DELETE is ever sent
    world.removeChannel(guildId, voiceChannel.id);
    const freshSession = new Promise<void>((resolve) => gateway.once('ready', () => resolve()));
    gateway.invalidateSession(0);
    await freshSession;
    await sync.all();

    expect(identifies.filter((s) => s === 0)).toHaveLength(2);
    const gone = new Set(messages.map((m) => m.id));
    for (const m of messages) await expect(cache.getMessage(m.id)).rejects.toThrow();
    expect(await cache.iterMessagesForChannel(text.id).len()).toBe(0);
    expect((await cache.iterMessagesForGuild(guildId).toArray()).filter((m) => gone.has(m.id))).toEqual([]);
    for (const authorId of new Set(messages.map((m) => m.author.id))) {
      expect((await cache.iterMessagesForAuthor(authorId).toArray()).filter((m) => gone.has(m.id))).toEqual([]);
    }
    await expect(cache.getInvite(invite.code)).rejects.toThrow();
    expect(await cache.iterInvitesForChannel(text.id).len()).toBe(0);
    expect(await cache.iterVoiceStatesForChannel(voiceChannel.id).len()).toBe(0);
    await expectCacheMatchesWorld(cache, world);
    expect(errors).toEqual([]);
  });
});
