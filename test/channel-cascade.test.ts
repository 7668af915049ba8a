// Issue 18 §2: everything that hangs off a channel that is gone goes with it — its messages,
// invites and voice states, from every read and index — whichever gateway event removed it:
// a GUILD_CREATE snapshot that no longer lists it (after an outage), CHANNEL_DELETE,
// THREAD_DELETE, THREAD_LIST_SYNC, GUILD_DELETE. Each path is driven through the
// GatewayListener into MemoryCache and RedisCache (single node and cluster).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EntryNotFound, type Backend } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { RedisCache } from '@sake/redis';
import { GatewayListener } from '@sake/gateway';

const prefix = (tag: string): string => `cascade-${tag}-${randomBytes(4).toString('hex')}:`;

const BACKENDS: ReadonlyArray<readonly [string, () => Backend]> = [
  ['MemoryCache', () => new MemoryCache()],
  ['RedisCache (single node)', () => new RedisCache(inject('redisUrl'), { prefix: prefix('s'), sweepIntervalMs: 0 })],
  [
    'RedisCache (cluster)',
    () =>
      new RedisCache(
        {
          clusterNodes: inject('redisClusterNodes').map((n) => {
            const [host, port] = n.split(':');
            return { host: host!, port: Number(port) };
          }),
        },
        { prefix: prefix('c'), sweepIntervalMs: 0 },
      ),
  ],
];

// Ids: guild G with text channel TEXT (thread THREAD under it), voice channel VOICE and text
// channel KEPT that stays; guild OTHER with channel OTHER_TEXT, which nothing here touches.
const G = '100000000000000001';
const OTHER = '100000000000000002';
const TEXT = '200000000000000001';
const THREAD = '200000000000000002';
const VOICE = '200000000000000003';
const KEPT = '200000000000000004';
const OTHER_TEXT = '200000000000000005';
const AUTHOR = '300000000000000001';
const LISTENER = '300000000000000002';
const ME = '300000000000000009';

const user = (id: string) => ({ id, username: `user${id.slice(-3)}`, global_name: null, discriminator: '0', avatar: null, public_flags: 0 });
const member = (id: string) => ({ user: user(id), nick: null, roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 });
const channel = (id: string, type = 0, parentId: string | null = null) => ({
  id,
  type,
  name: `c${id.slice(-3)}`,
  position: 0,
  permission_overwrites: [],
  parent_id: parentId,
});
const thread = (id: string, parentId: string, guildId = G) => ({ ...channel(id, 11, parentId), guild_id: guildId, thread_metadata: { archived: false } });
const voice = (guildId: string, userId: string, channelId: string) => ({
  guild_id: guildId,
  channel_id: channelId,
  user_id: userId,
  session_id: 's',
  deaf: false,
  mute: false,
  self_deaf: false,
  self_mute: false,
  self_video: false,
  suppress: false,
  request_to_speak_timestamp: null,
});

/** A GUILD_CREATE of `guildId` listing `channels` and `threads` (and the voice states given). */
function guildCreate(guildId: string, channels: object[], threads: object[], voiceStates: object[] = []): unknown {
  return {
    id: guildId,
    name: `guild${guildId.slice(-3)}`,
    icon: null,
    owner_id: AUTHOR,
    features: [],
    unavailable: false,
    joined_at: '2024-01-01T00:00:00.000Z',
    large: false,
    member_count: 3,
    channels,
    threads,
    roles: [],
    emojis: [],
    members: [member(AUTHOR), member(LISTENER), member(ME)],
    presences: [],
    voice_states: voiceStates.map((v) => ({ ...v, guild_id: undefined })),
    stage_instances: [],
  };
}

let messageIds = 400_000_000_000_000_000n;
/** A MESSAGE_CREATE payload in `channelId` (ids increase, so none is evicted by another). */
function message(channelId: string, guildId = G): { id: string; [k: string]: unknown } {
  messageIds += 1n;
  return {
    id: messageIds.toString(),
    channel_id: channelId,
    guild_id: guildId,
    author: user(AUTHOR),
    member: { ...member(AUTHOR), user: undefined },
    content: `in ${channelId}`,
    timestamp: '2024-01-01T00:00:00.000Z',
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

const invite = (code: string, channelId: string, guildId = G) => ({
  code,
  channel_id: channelId,
  guild_id: guildId,
  created_at: '2024-01-01T00:00:00.000Z',
  max_age: 0,
  max_uses: 0,
  temporary: false,
  uses: 0,
});

type Payload = Parameters<GatewayListener['handle']>[0];
const dispatch = (t: string, d: unknown): Payload => ({ op: 0, t, d, s: 1 }) as Payload;

/** What the seeded world holds: per channel, its message ids; invite codes and voice users per channel. */
interface Seeded {
  messages: Map<string, string[]>;
  invites: Map<string, string>;
  voices: Map<string, { guildId: string; userId: string }>;
}

/**
 * Seed both guilds through the listener: two messages in TEXT, THREAD, KEPT and OTHER_TEXT, an
 * invite to TEXT, KEPT and OTHER_TEXT, and a voice state in VOICE (G) and one in OTHER's voice.
 */
async function seed(listener: GatewayListener): Promise<Seeded> {
  const seeded: Seeded = { messages: new Map(), invites: new Map(), voices: new Map() };
  const otherVoice = '200000000000000006';
  listener.handle(
    dispatch('READY', {
      v: 10,
      user: user(ME),
      guilds: [
        { id: G, unavailable: true },
        { id: OTHER, unavailable: true },
      ],
      session_id: 's',
      resume_gateway_url: 'ws://x',
      shard: [0, 1],
      application: { id: ME, flags: 0 },
    }),
  );
  listener.handle(
    dispatch('GUILD_CREATE', guildCreate(G, [channel(TEXT), channel(VOICE, 2), channel(KEPT)], [thread(THREAD, TEXT)], [voice(G, LISTENER, VOICE)])),
  );
  listener.handle(dispatch('GUILD_CREATE', guildCreate(OTHER, [channel(OTHER_TEXT), channel(otherVoice, 2)], [], [voice(OTHER, LISTENER, otherVoice)])));
  seeded.voices.set(VOICE, { guildId: G, userId: LISTENER });
  seeded.voices.set(otherVoice, { guildId: OTHER, userId: LISTENER });
  for (const [channelId, guildId] of [
    [TEXT, G],
    [THREAD, G],
    [KEPT, G],
    [OTHER_TEXT, OTHER],
  ] as const) {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const m = message(channelId, guildId);
      ids.push(m.id);
      listener.handle(dispatch('MESSAGE_CREATE', m));
    }
    seeded.messages.set(channelId, ids);
  }
  for (const [channelId, guildId] of [
    [TEXT, G],
    [KEPT, G],
    [OTHER_TEXT, OTHER],
  ] as const) {
    const code = `inv${channelId.slice(-3)}`;
    listener.handle(dispatch('INVITE_CREATE', invite(code, channelId, guildId)));
    seeded.invites.set(channelId, code);
  }
  await listener.idle();
  return seeded;
}

async function absent(read: Promise<unknown>): Promise<boolean> {
  try {
    await read;
    return false;
  } catch (error) {
    if (error instanceof EntryNotFound) return true;
    throw error;
  }
}

const ids = async (it: AsyncIterable<{ id: string }>): Promise<string[]> => {
  const out: string[] = [];
  for await (const v of it) out.push(v.id);
  return out.sort();
};

/**
 * Assert that nothing of the channels in `gone` is left anywhere (point reads, the global, guild,
 * channel and author message indexes, the invite and voice-state indexes), and that everything of
 * the other seeded channels is (with the `len()` of every index agreeing).
 */
async function expectChannelsGone(cache: Backend, seeded: Seeded, gone: readonly string[]): Promise<void> {
  const keptMessages = [...seeded.messages]
    .filter(([c]) => !gone.includes(c))
    .flatMap(([, m]) => m)
    .sort();
  const goneMessages = [...seeded.messages].filter(([c]) => gone.includes(c)).flatMap(([, m]) => m);
  for (const id of goneMessages) expect(await absent(cache.getMessage(id)), `getMessage(${id})`).toBe(true);
  expect(await ids(cache.iterMessages()), 'iterMessages').toEqual(keptMessages);
  expect(await cache.iterMessages().len(), 'iterMessages().len()').toBe(keptMessages.length);
  expect(await ids(cache.iterMessagesForAuthor(AUTHOR)), 'iterMessagesForAuthor').toEqual(keptMessages);
  expect(await cache.iterMessagesForAuthor(AUTHOR).len(), 'iterMessagesForAuthor().len()').toBe(keptMessages.length);
  for (const guildId of [G, OTHER]) {
    const expected = [...seeded.messages]
      .filter(([c]) => !gone.includes(c) && (c === OTHER_TEXT) === (guildId === OTHER))
      .flatMap(([, m]) => m)
      .sort();
    expect(await ids(cache.iterMessagesForGuild(guildId)), `iterMessagesForGuild(${guildId})`).toEqual(expected);
    expect(await cache.iterMessagesForGuild(guildId).len(), `iterMessagesForGuild(${guildId}).len()`).toBe(expected.length);
  }
  for (const [channelId, messageIds] of seeded.messages) {
    const expected = gone.includes(channelId) ? [] : [...messageIds].sort();
    expect(await ids(cache.iterMessagesForChannel(channelId)), `iterMessagesForChannel(${channelId})`).toEqual(expected);
    expect(await cache.iterMessagesForChannel(channelId).len(), `iterMessagesForChannel(${channelId}).len()`).toBe(expected.length);
  }

  const codes = async (it: AsyncIterable<{ code: string }>): Promise<string[]> => {
    const out: string[] = [];
    for await (const v of it) out.push(v.code);
    return out.sort();
  };
  const keptInvites = [...seeded.invites]
    .filter(([c]) => !gone.includes(c))
    .map(([, code]) => code)
    .sort();
  expect(await codes(cache.iterInvites()), 'iterInvites').toEqual(keptInvites);
  for (const [channelId, code] of seeded.invites) {
    const isGone = gone.includes(channelId);
    expect(await absent(cache.getInvite(code)), `getInvite(${code})`).toBe(isGone);
    expect(await codes(cache.iterInvitesForChannel(channelId)), `iterInvitesForChannel(${channelId})`).toEqual(isGone ? [] : [code]);
  }
  const guildInvites = await codes(cache.iterInvitesForGuild(G));
  expect(guildInvites, 'iterInvitesForGuild(G)').toEqual(
    [...seeded.invites]
      .filter(([c]) => !gone.includes(c) && c !== OTHER_TEXT)
      .map(([, code]) => code)
      .sort(),
  );

  for (const [channelId, { guildId, userId }] of seeded.voices) {
    const isGone = gone.includes(channelId);
    expect(await absent(cache.getVoiceState(guildId, userId)), `getVoiceState(${guildId}, ${userId})`).toBe(isGone);
    const inChannel = (await cache.iterVoiceStatesForChannel(channelId).toArray()).map((v) => v.user_id);
    expect(inChannel, `iterVoiceStatesForChannel(${channelId})`).toEqual(isGone ? [] : [userId]);
    const inGuild = (await cache.iterVoiceStatesForGuild(guildId).toArray()).map((v) => v.channel_id);
    expect(inGuild, `iterVoiceStatesForGuild(${guildId})`).toEqual(isGone ? [] : [channelId]);
  }
  const allVoices = (await cache.iterVoiceStates().toArray()).map((v) => v.channel_id).sort();
  expect(allVoices, 'iterVoiceStates').toEqual([...seeded.voices.keys()].filter((c) => !gone.includes(c)).sort());
}

describe.each(BACKENDS)('a channel that is gone takes its messages, invites and voice states with it: %s', (_name, create) => {
  let cache: Backend | undefined;
  let listener: GatewayListener | undefined;

  async function start(): Promise<GatewayListener> {
    cache = create();
    await cache.open();
    listener = new GatewayListener(cache);
    return listener;
  }

  afterEach(async () => {
    await listener?.idle();
    await cache?.close();
    cache = undefined;
    listener = undefined;
  });

  it('GUILD_CREATE after an outage, no longer listing a channel (its thread) and a voice channel', async () => {
    const l = await start();
    const seeded = await seed(l);
    l.handle(dispatch('GUILD_DELETE', { id: G, unavailable: true }));
    l.handle(dispatch('GUILD_CREATE', guildCreate(G, [channel(KEPT)], [])));
    await l.idle();
    expect((await cache!.iterGuildChannelsForGuild(G).toArray()).map((c) => c.id)).toEqual([KEPT]);
    await expectChannelsGone(cache!, seeded, [TEXT, THREAD, VOICE]);
  });

  it('CHANNEL_DELETE of a text channel (with its thread) and of a voice channel', async () => {
    const l = await start();
    const seeded = await seed(l);
    l.handle(dispatch('CHANNEL_DELETE', { ...channel(TEXT), guild_id: G }));
    l.handle(dispatch('CHANNEL_DELETE', { ...channel(VOICE, 2), guild_id: G }));
    await l.idle();
    await expectChannelsGone(cache!, seeded, [TEXT, THREAD, VOICE]);
  });

  it('THREAD_DELETE', async () => {
    const l = await start();
    const seeded = await seed(l);
    l.handle(dispatch('THREAD_DELETE', { id: THREAD, guild_id: G, parent_id: TEXT, type: 11 }));
    await l.idle();
    await expectChannelsGone(cache!, seeded, [THREAD]);
  });

  it('THREAD_LIST_SYNC that no longer lists a thread of a synced channel', async () => {
    const l = await start();
    const seeded = await seed(l);
    l.handle(dispatch('THREAD_LIST_SYNC', { guild_id: G, channel_ids: [TEXT], threads: [], members: [] }));
    await l.idle();
    await expectChannelsGone(cache!, seeded, [THREAD]);
  });

  it('GUILD_DELETE (the bot left)', async () => {
    const l = await start();
    const seeded = await seed(l);
    l.handle(dispatch('GUILD_DELETE', { id: G }));
    await l.idle();
    await expectChannelsGone(cache!, seeded, [TEXT, THREAD, VOICE, KEPT]);
  });
});
