// One row per gateway event: the cache before, the event, the cache after, and the old
// value a confirmed handler receives. Runs against MemoryCache, the reference backend.
import { describe, expect, it } from 'vitest';
import { EntryNotFound, mutation, type Mutation } from '@sake/abc';
import { MemoryCache } from '@sake/memory';
import { GatewayListener, type CacheRules } from '@sake/gateway';
import {
  G,
  G2,
  ME,
  channel,
  dispatch,
  emoji,
  guild,
  invite,
  member,
  memberEntity,
  message,
  presence,
  reaction,
  recordingLogger,
  role,
  seedGuild,
  thread,
  user,
  voice,
} from './fixtures.js';

interface Row {
  name: string;
  before?: Mutation[];
  t: string;
  d: unknown;
  rules?: CacheRules;
  after: (cache: MemoryCache) => Promise<void>;
  /** The old value the confirmed handler must get (`undefined` = nothing was cached). */
  old?: unknown;
  /** Check only parts of the old value. */
  oldMatches?: Record<string, unknown>;
}

const both = [...seedGuild(G, '1'), ...seedGuild(G2, '2')];

/** Every entry of guild G2 is still there (events of G must not touch another guild). */
async function otherGuildIntact(cache: MemoryCache): Promise<void> {
  expect(await cache.iterMembersForGuild(G2).len()).toBe(1);
  expect(await cache.iterGuildChannelsForGuild(G2).len()).toBe(2);
  expect(await cache.iterMessagesForGuild(G2).len()).toBe(1);
  expect(await cache.iterInvitesForGuild(G2).len()).toBe(1);
  expect((await cache.getGuild(G2)).name).toBe(`guild${G2}`);
}

const rows: Row[] = [
  {
    name: 'READY sets me, marks listed guilds unavailable, drops cached guilds of this shard it does not list',
    before: [...both, mutation.set('me', user(ME, { username: 'old-me' }))],
    t: 'READY',
    d: {
      v: 10,
      user: user(ME, { bot: true }),
      guilds: [{ id: G, unavailable: true }],
      session_id: 's',
      resume_gateway_url: 'ws://x',
      shard: [0, 1],
      application: { id: ME, flags: 0 },
    },
    async after(cache) {
      expect((await cache.getMe()).username).toBe(`user${ME}`);
      const g = await cache.getGuild(G);
      expect(g.unavailable).toBe(true);
      expect(g.name).toBe(`guild${G}`);
      expect(await cache.iterMembersForGuild(G).len()).toBe(1);
      await expect(cache.getGuild(G2)).rejects.toBeInstanceOf(EntryNotFound);
      expect(await cache.iterMembersForGuild(G2).len()).toBe(0);
      expect(await cache.iterMessagesForGuild(G2).len()).toBe(0);
    },
    oldMatches: { id: ME, username: 'old-me' },
  },
  {
    name: 'GUILD_CREATE replaces the guild and all its children (stale ones go)',
    before: both,
    t: 'GUILD_CREATE',
    d: {
      ...guild(G, { name: 'fresh' }),
      joined_at: '2024-01-01T00:00:00.000Z',
      large: false,
      member_count: 2,
      unavailable: false,
      channels: [channel('101', G)],
      threads: [thread('102', G, '101')],
      roles: [role('103', G)],
      emojis: [emoji('104', G)],
      members: [member('105', { nick: 'new' }), member(ME)],
      presences: [presence(G, '105', 'idle')],
      voice_states: [{ ...voice(G, '105', '101'), guild_id: undefined }],
      stage_instances: [],
    },
    async after(cache) {
      const g = await cache.getGuild(G);
      expect(g.name).toBe('fresh');
      expect(g.unavailable).toBe(false);
      expect(g).not.toHaveProperty('members');
      expect(g).not.toHaveProperty('channels');
      expect((await cache.iterGuildChannelsForGuild(G).toArray()).map((c) => c.id).sort()).toEqual(['101', '102']);
      expect((await cache.iterRolesForGuild(G).toArray()).map((r) => r.id)).toEqual(['103']);
      expect((await cache.iterEmojisForGuild(G).toArray()).map((e) => e.id)).toEqual(['104']);
      expect((await cache.iterMembersForGuild(G).toArray()).map((m) => m.user.id).sort()).toEqual(['105', ME]);
      expect((await cache.getMember(G, '105')).nick).toBe('new');
      expect((await cache.getMember(G, '105')).guild_id).toBe(G);
      expect((await cache.getUser('105')).username).toBe('user105');
      expect((await cache.iterPresencesForGuild(G).toArray()).map((p) => [p.user.id, p.status])).toEqual([['105', 'idle']]);
      const voices = await cache.iterVoiceStatesForGuild(G).toArray();
      expect(voices.map((v) => [v.user_id, v.channel_id, v.guild_id])).toEqual([['105', '101', G]]);
      await otherGuildIntact(cache);
    },
  },
  {
    name: 'GUILD_CREATE with unavailable: true keeps the data and marks the outage',
    before: both,
    t: 'GUILD_CREATE',
    d: { id: G, unavailable: true },
    async after(cache) {
      expect((await cache.getGuild(G)).unavailable).toBe(true);
      expect((await cache.getGuild(G)).name).toBe(`guild${G}`);
      expect(await cache.iterMembersForGuild(G).len()).toBe(1);
      expect(await cache.iterGuildChannelsForGuild(G).len()).toBe(2);
    },
  },
  {
    name: 'GUILD_DELETE with unavailable: true keeps the data',
    before: both,
    t: 'GUILD_DELETE',
    d: { id: G, unavailable: true },
    async after(cache) {
      expect((await cache.getGuild(G)).unavailable).toBe(true);
      expect(await cache.iterMembersForGuild(G).len()).toBe(1);
      expect(await cache.iterMessagesForGuild(G).len()).toBe(1);
    },
    oldMatches: { id: G, name: `guild${G}` },
  },
  {
    name: 'GUILD_DELETE (left) removes the guild and everything under it',
    before: both,
    t: 'GUILD_DELETE',
    d: { id: G },
    async after(cache) {
      await expect(cache.getGuild(G)).rejects.toBeInstanceOf(EntryNotFound);
      for (const it of [
        cache.iterGuildChannelsForGuild(G),
        cache.iterRolesForGuild(G),
        cache.iterEmojisForGuild(G),
        cache.iterMembersForGuild(G),
        cache.iterPresencesForGuild(G),
        cache.iterVoiceStatesForGuild(G),
        cache.iterInvitesForGuild(G),
        cache.iterMessagesForGuild(G),
      ]) {
        expect(await it.len()).toBe(0);
      }
      await otherGuildIntact(cache);
    },
    oldMatches: { id: G, name: `guild${G}` },
  },
  {
    name: 'GUILD_UPDATE merges fields and replaces roles and emojis',
    before: both,
    t: 'GUILD_UPDATE',
    d: { ...guild(G, { name: 'renamed' }), roles: [role('199', G)], emojis: [] },
    async after(cache) {
      const g = await cache.getGuild(G);
      expect(g.name).toBe('renamed');
      expect(g).not.toHaveProperty('roles');
      expect((await cache.iterRolesForGuild(G).toArray()).map((r) => r.id)).toEqual(['199']);
      expect(await cache.iterEmojisForGuild(G).len()).toBe(0);
      await otherGuildIntact(cache);
    },
    oldMatches: { name: `guild${G}` },
  },
  {
    name: 'CHANNEL_CREATE sets the channel',
    t: 'CHANNEL_CREATE',
    d: channel('150', G),
    async after(cache) {
      expect((await cache.getGuildChannel('150')).guild_id).toBe(G);
    },
  },
  {
    name: 'CHANNEL_CREATE of a DM channel caches nothing',
    t: 'CHANNEL_CREATE',
    d: { id: '151', type: 1, recipients: [user('5')] },
    async after(cache) {
      expect(await cache.iterGuildChannels().len()).toBe(0);
    },
  },
  {
    name: 'CHANNEL_UPDATE replaces the channel',
    before: both,
    t: 'CHANNEL_UPDATE',
    d: channel('11', G, { name: 'renamed' }),
    async after(cache) {
      expect((await cache.getGuildChannel('11')).name).toBe('renamed');
    },
    oldMatches: { id: '11', name: 'channel11' },
  },
  {
    name: 'CHANNEL_DELETE removes the channel, its threads, messages, invites and voice states',
    before: [...both, mutation.set('channel', thread('17', G, '11')), mutation.set('message', message('18', '17', '15'))],
    t: 'CHANNEL_DELETE',
    d: channel('11', G),
    async after(cache) {
      await expect(cache.getGuildChannel('11')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getGuildChannel('17')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getMessage('16')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getMessage('18')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getInvite('inv1')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getGuildChannel('12')).id).toBe('12');
      await otherGuildIntact(cache);
    },
    oldMatches: { id: '11' },
  },
  {
    name: 'CHANNEL_DELETE of a voice channel removes the voice states in it',
    before: both,
    t: 'CHANNEL_DELETE',
    d: channel('12', G, { type: 2 }),
    async after(cache) {
      expect(await cache.iterVoiceStatesForGuild(G).len()).toBe(0);
      expect(await cache.iterVoiceStatesForGuild(G2).len()).toBe(1);
    },
    oldMatches: { id: '12' },
  },
  {
    name: 'CHANNEL_DELETE with channels not cached still clears the messages, invites and voice states in it',
    before: [...both, mutation.set('voiceState', voice(G, '19', '11'))],
    t: 'CHANNEL_DELETE',
    d: channel('11', G),
    rules: { channels: false },
    async after(cache) {
      await expect(cache.getMessage('16')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getInvite('inv1')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getVoiceState(G, '19')).rejects.toBeInstanceOf(EntryNotFound);
      expect(await cache.iterVoiceStatesForGuild(G).len()).toBe(1);
      await otherGuildIntact(cache);
    },
  },
  {
    name: 'THREAD_CREATE sets the thread',
    before: both,
    t: 'THREAD_CREATE',
    d: { ...thread('160', G, '11'), newly_created: true },
    async after(cache) {
      const t = await cache.getGuildChannel('160');
      expect(t.type).toBe(11);
      expect(t).not.toHaveProperty('newly_created');
    },
  },
  {
    name: 'THREAD_UPDATE replaces the thread',
    before: [...both, mutation.set('channel', thread('160', G, '11'))],
    t: 'THREAD_UPDATE',
    d: { ...thread('160', G, '11'), name: 'renamed thread' },
    async after(cache) {
      expect((await cache.getGuildChannel('160')).name).toBe('renamed thread');
    },
    oldMatches: { id: '160', name: 'channel160' },
  },
  {
    name: 'THREAD_DELETE removes the thread and its messages',
    before: [...both, mutation.set('channel', thread('160', G, '11')), mutation.set('message', message('161', '160', '15'))],
    t: 'THREAD_DELETE',
    d: { id: '160', guild_id: G, parent_id: '11', type: 11 },
    async after(cache) {
      await expect(cache.getGuildChannel('160')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getMessage('161')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getMessage('16')).id).toBe('16');
    },
    oldMatches: { id: '160' },
  },
  {
    name: 'THREAD_LIST_SYNC sets listed threads and drops unlisted ones of the synced parents only',
    before: [...both, mutation.set('channel', thread('170', G, '11')), mutation.set('channel', thread('171', G, '12'))],
    t: 'THREAD_LIST_SYNC',
    d: { guild_id: G, channel_ids: ['11'], threads: [thread('172', G, '11')], members: [] },
    async after(cache) {
      const ids = (await cache.iterGuildChannelsForGuild(G).toArray()).map((c) => c.id).sort();
      expect(ids).toEqual(['11', '12', '171', '172']);
    },
  },
  {
    name: 'CHANNEL_PINS_UPDATE sets last_pin_timestamp',
    before: both,
    t: 'CHANNEL_PINS_UPDATE',
    d: { guild_id: G, channel_id: '11', last_pin_timestamp: '2024-05-05T00:00:00.000Z' },
    async after(cache) {
      const c = await cache.getGuildChannel('11');
      expect(c).toMatchObject({ last_pin_timestamp: '2024-05-05T00:00:00.000Z', name: 'channel11' });
    },
  },
  {
    name: 'GUILD_ROLE_CREATE sets the role with its guild',
    t: 'GUILD_ROLE_CREATE',
    d: { guild_id: G, role: { ...role('180', G), guild_id: undefined } },
    async after(cache) {
      expect((await cache.getRole('180')).guild_id).toBe(G);
    },
  },
  {
    name: 'GUILD_ROLE_UPDATE replaces the role',
    before: both,
    t: 'GUILD_ROLE_UPDATE',
    d: { guild_id: G, role: role('13', G, { name: 'mods' }) },
    async after(cache) {
      expect((await cache.getRole('13')).name).toBe('mods');
    },
    oldMatches: { id: '13', name: 'role13' },
  },
  {
    name: 'GUILD_ROLE_DELETE removes the role and strips it from members',
    before: both,
    t: 'GUILD_ROLE_DELETE',
    d: { guild_id: G, role_id: '13' },
    async after(cache) {
      await expect(cache.getRole('13')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getMember(G, '15')).roles).toEqual([]);
      expect((await cache.getMember(G2, '25')).roles).toEqual(['23']);
    },
    oldMatches: { id: '13' },
  },
  {
    name: 'GUILD_EMOJIS_UPDATE replaces the guild emojis',
    before: both,
    t: 'GUILD_EMOJIS_UPDATE',
    d: { guild_id: G, emojis: [emoji('190', G), emoji('191', G)] },
    async after(cache) {
      expect((await cache.iterEmojisForGuild(G).toArray()).map((e) => e.id).sort()).toEqual(['190', '191']);
      expect(await cache.iterEmojisForGuild(G2).len()).toBe(1);
    },
    old: [emoji('14', G)],
  },
  {
    name: 'GUILD_MEMBER_ADD sets the member and its user',
    before: both,
    t: 'GUILD_MEMBER_ADD',
    d: { ...member('200'), guild_id: G },
    async after(cache) {
      expect((await cache.getMember(G, '200')).user.username).toBe('user200');
      expect((await cache.getUser('200')).id).toBe('200');
    },
  },
  {
    name: 'GUILD_MEMBER_UPDATE merges the partial member and its user',
    before: both,
    t: 'GUILD_MEMBER_UPDATE',
    d: { guild_id: G, user: user('15', { avatar: 'newavatar' }), roles: [], nick: 'nick', joined_at: '2024-01-01T00:00:00.000Z' },
    async after(cache) {
      const m = await cache.getMember(G, '15');
      expect(m.nick).toBe('nick');
      expect(m.roles).toEqual([]);
      expect(m.deaf).toBe(false); // kept from the cached member
      expect(m.user.avatar).toBe('newavatar');
      expect((await cache.getUser('15')).avatar).toBe('newavatar');
    },
    oldMatches: { nick: null, roles: ['13'], user: expect.objectContaining({ avatar: 'av15' }) },
  },
  {
    name: 'GUILD_MEMBER_UPDATE of an uncached member creates it',
    t: 'GUILD_MEMBER_UPDATE',
    d: { guild_id: G, user: user('201'), roles: ['5'], nick: null, joined_at: '2024-01-01T00:00:00.000Z' },
    async after(cache) {
      expect((await cache.getMember(G, '201')).roles).toEqual(['5']);
    },
  },
  {
    name: 'GUILD_MEMBER_REMOVE removes the member, its presence and voice state in that guild',
    before: [...both, mutation.set('member', memberEntity(G2, '15'))],
    t: 'GUILD_MEMBER_REMOVE',
    d: { guild_id: G, user: user('15') },
    async after(cache) {
      await expect(cache.getMember(G, '15')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getPresence(G, '15')).rejects.toBeInstanceOf(EntryNotFound);
      await expect(cache.getVoiceState(G, '15')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getMember(G2, '15')).user.id).toBe('15');
    },
    oldMatches: { guild_id: G, user: expect.objectContaining({ id: '15' }) },
  },
  {
    name: 'GUILD_MEMBERS_CHUNK sets members, users and presences',
    before: both,
    t: 'GUILD_MEMBERS_CHUNK',
    d: {
      guild_id: G,
      members: [member('210'), member('211')],
      chunk_index: 0,
      chunk_count: 1,
      presences: [{ user: { id: '210' }, status: 'dnd', activities: [] }],
    },
    async after(cache) {
      expect(await cache.iterMembersForGuild(G).len()).toBe(3);
      expect((await cache.getUser('211')).username).toBe('user211');
      expect((await cache.getPresence(G, '210')).status).toBe('dnd');
    },
  },
  {
    name: 'PRESENCE_UPDATE sets the presence',
    before: both,
    t: 'PRESENCE_UPDATE',
    d: presence(G, '15', 'dnd'),
    async after(cache) {
      expect((await cache.getPresence(G, '15')).status).toBe('dnd');
      expect((await cache.getUser('15')).username).toBe('user15');
    },
    oldMatches: { status: 'online' },
  },
  {
    name: 'PRESENCE_UPDATE with user fields merges them into the user',
    before: both,
    t: 'PRESENCE_UPDATE',
    d: { ...presence(G, '15', 'idle'), user: { id: '15', username: 'renamed' } },
    async after(cache) {
      expect((await cache.getUser('15')).username).toBe('renamed');
      expect((await cache.getUser('15')).avatar).toBe('av15');
      expect((await cache.getPresence(G, '15')).user).toEqual({ id: '15' });
    },
    oldMatches: { status: 'online' },
  },
  {
    name: 'VOICE_STATE_UPDATE with a channel sets the voice state and the member',
    before: both,
    t: 'VOICE_STATE_UPDATE',
    d: { ...voice(G, '220', '12'), member: member('220') },
    async after(cache) {
      const v = await cache.getVoiceState(G, '220');
      expect(v).toMatchObject({ channel_id: '12', guild_id: G });
      expect(v).not.toHaveProperty('member');
      expect((await cache.getMember(G, '220')).user.id).toBe('220');
    },
  },
  {
    name: 'VOICE_STATE_UPDATE with channel_id null removes the voice state',
    before: both,
    t: 'VOICE_STATE_UPDATE',
    d: { ...voice(G, '15', '12'), channel_id: null },
    async after(cache) {
      await expect(cache.getVoiceState(G, '15')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getVoiceState(G2, '25')).channel_id).toBe('22');
    },
    oldMatches: { channel_id: '12' },
  },
  {
    name: 'MESSAGE_CREATE sets the message (without member) and merges the author member',
    before: both,
    t: 'MESSAGE_CREATE',
    d: {
      ...message('230', '11', '15'),
      author: user('15', { avatar: 'fresh' }),
      member: { roles: ['13'], nick: 'talker', joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 },
    },
    async after(cache) {
      const m = await cache.getMessage('230');
      expect(m.content).toBe('message 230');
      expect(m).not.toHaveProperty('member');
      expect((await cache.getMember(G, '15')).nick).toBe('talker');
      expect((await cache.getUser('15')).avatar).toBe('fresh');
      expect((await cache.iterMessagesForChannel('11').toArray()).map((x) => x.id).sort()).toEqual(['16', '230']);
    },
  },
  {
    name: 'MESSAGE_CREATE in a DM sets the message and the author user',
    t: 'MESSAGE_CREATE',
    d: message('231', '500', '231', null),
    async after(cache) {
      expect((await cache.getMessage('231')).channel_id).toBe('500');
      expect((await cache.getUser('231')).username).toBe('user231');
    },
  },
  {
    name: 'MESSAGE_CREATE keeps only the newest messages.perChannel messages of a channel',
    rules: { messages: { perChannel: 2 } },
    before: [mutation.set('message', message('240', '11', '15')), mutation.set('message', message('241', '11', '15'))],
    t: 'MESSAGE_CREATE',
    d: message('242', '11', '15'),
    async after(cache) {
      expect((await cache.iterMessagesForChannel('11').toArray()).map((x) => x.id).sort()).toEqual(['241', '242']);
    },
  },
  {
    name: 'MESSAGE_UPDATE merges into the cached message (reactions kept)',
    before: [...both, mutation.set('message', message('250', '11', '15', G, { reactions: [reaction('👍', 2)] }))],
    t: 'MESSAGE_UPDATE',
    d: { id: '250', channel_id: '11', guild_id: G, content: 'edited', edited_timestamp: '2024-02-02T00:00:00.000Z' },
    async after(cache) {
      const m = await cache.getMessage('250');
      expect(m.content).toBe('edited');
      expect(m.author.id).toBe('15');
      expect(m.reactions).toEqual([reaction('👍', 2)]);
    },
    oldMatches: { content: 'message 250' },
  },
  {
    name: 'MESSAGE_UPDATE of an uncached message is ignored when partial',
    t: 'MESSAGE_UPDATE',
    d: { id: '251', channel_id: '11', guild_id: G, content: 'edited' },
    async after(cache) {
      await expect(cache.getMessage('251')).rejects.toBeInstanceOf(EntryNotFound);
    },
  },
  {
    name: 'MESSAGE_UPDATE of an uncached message is stored when complete',
    t: 'MESSAGE_UPDATE',
    d: message('252', '11', '15', G, { content: 'complete' }),
    async after(cache) {
      expect((await cache.getMessage('252')).content).toBe('complete');
    },
  },
  {
    name: 'MESSAGE_DELETE removes the message',
    before: both,
    t: 'MESSAGE_DELETE',
    d: { id: '16', channel_id: '11', guild_id: G },
    async after(cache) {
      await expect(cache.getMessage('16')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getMessage('26')).id).toBe('26');
    },
    oldMatches: { id: '16', content: 'message 16' },
  },
  {
    name: 'MESSAGE_DELETE_BULK removes every listed message',
    before: [...both, mutation.set('message', message('260', '11', '15'))],
    t: 'MESSAGE_DELETE_BULK',
    d: { ids: ['16', '260', '999'], channel_id: '11', guild_id: G },
    async after(cache) {
      expect(await cache.iterMessagesForChannel('11').len()).toBe(0);
      expect((await cache.getMessage('26')).id).toBe('26');
    },
    old: expect.arrayContaining([expect.objectContaining({ id: '16' }), expect.objectContaining({ id: '260' })]),
  },
  {
    name: 'MESSAGE_REACTION_ADD adds a new reaction with count 1 (me when the bot reacted)',
    before: [...both, mutation.set('me', user(ME))],
    t: 'MESSAGE_REACTION_ADD',
    d: { user_id: ME, channel_id: '11', message_id: '16', guild_id: G, emoji: { id: null, name: '🍣' }, burst: false, type: 0 },
    async after(cache) {
      expect((await cache.getMessage('16')).reactions).toEqual([reaction('🍣', 1, true)]);
    },
    oldMatches: { id: '16', content: 'message 16' },
  },
  {
    name: 'MESSAGE_REACTION_ADD increments an existing reaction',
    before: [...both, mutation.merge('message', { messageId: '16' }, { reactions: [reaction('🍣', 2), reaction('x', 1, false, '77')] })],
    t: 'MESSAGE_REACTION_ADD',
    d: { user_id: '15', channel_id: '11', message_id: '16', guild_id: G, emoji: { id: '77', name: 'x' }, burst: false, type: 0, member: member('15') },
    async after(cache) {
      expect((await cache.getMessage('16')).reactions).toEqual([reaction('🍣', 2), reaction('x', 2, false, '77')]);
    },
    oldMatches: { reactions: [reaction('🍣', 2), reaction('x', 1, false, '77')] },
  },
  {
    name: 'MESSAGE_REACTION_ADD to an uncached message changes no message',
    before: both,
    t: 'MESSAGE_REACTION_ADD',
    d: { user_id: '15', channel_id: '11', message_id: '999', guild_id: G, emoji: { id: null, name: '🍣' }, burst: false, type: 0 },
    async after(cache) {
      await expect(cache.getMessage('999')).rejects.toBeInstanceOf(EntryNotFound);
    },
  },
  {
    name: 'MESSAGE_REACTION_REMOVE decrements, and drops a reaction at zero',
    before: [...both, mutation.merge('message', { messageId: '16' }, { reactions: [reaction('🍣', 2), reaction('🎉', 1)] })],
    t: 'MESSAGE_REACTION_REMOVE',
    d: { user_id: '15', channel_id: '11', message_id: '16', guild_id: G, emoji: { id: null, name: '🎉' }, burst: false, type: 0 },
    async after(cache) {
      expect((await cache.getMessage('16')).reactions).toEqual([reaction('🍣', 2)]);
    },
    oldMatches: { reactions: [reaction('🍣', 2), reaction('🎉', 1)] },
  },
  {
    name: 'MESSAGE_REACTION_REMOVE_ALL clears the reactions',
    before: [...both, mutation.merge('message', { messageId: '16' }, { reactions: [reaction('🍣', 2)] })],
    t: 'MESSAGE_REACTION_REMOVE_ALL',
    d: { channel_id: '11', message_id: '16', guild_id: G },
    async after(cache) {
      expect((await cache.getMessage('16')).reactions).toEqual([]);
    },
    oldMatches: { reactions: [reaction('🍣', 2)] },
  },
  {
    name: 'MESSAGE_REACTION_REMOVE_EMOJI drops one emoji',
    before: [...both, mutation.merge('message', { messageId: '16' }, { reactions: [reaction('🍣', 2), reaction('🎉', 3)] })],
    t: 'MESSAGE_REACTION_REMOVE_EMOJI',
    d: { channel_id: '11', message_id: '16', guild_id: G, emoji: { id: null, name: '🍣' } },
    async after(cache) {
      expect((await cache.getMessage('16')).reactions).toEqual([reaction('🎉', 3)]);
    },
    oldMatches: { reactions: [reaction('🍣', 2), reaction('🎉', 3)] },
  },
  {
    name: 'INVITE_CREATE sets the invite',
    before: both,
    t: 'INVITE_CREATE',
    d: invite('newcode', G, '11', 0),
    async after(cache) {
      expect((await cache.getInvite('newcode')).channel_id).toBe('11');
    },
  },
  {
    name: 'INVITE_DELETE removes the invite',
    before: both,
    t: 'INVITE_DELETE',
    d: { code: 'inv1', guild_id: G, channel_id: '11' },
    async after(cache) {
      await expect(cache.getInvite('inv1')).rejects.toBeInstanceOf(EntryNotFound);
      expect((await cache.getInvite('inv2')).code).toBe('inv2');
    },
    oldMatches: { code: 'inv1' },
  },
  {
    name: 'USER_UPDATE sets me',
    before: [mutation.set('me', user(ME))],
    t: 'USER_UPDATE',
    d: user(ME, { username: 'renamed-bot' }),
    async after(cache) {
      expect((await cache.getMe()).username).toBe('renamed-bot');
    },
    oldMatches: { username: `user${ME}` },
  },
];

describe('every gateway event against MemoryCache', () => {
  it.each(rows)('$name', async (row) => {
    const cache = new MemoryCache();
    await cache.open();
    if (row.before) await cache.apply(row.before);
    const logger = recordingLogger();
    const listener = new GatewayListener(cache, row.rules ?? {}, { logger });
    const olds: unknown[] = [];
    listener.on(row.t as 'READY', (_data, old) => void olds.push(old), { confirm: true });
    listener.handle(dispatch(row.t, row.d), 0);
    await listener.idle();

    expect(logger.warnings).toEqual([]);
    expect(logger.errors).toEqual([]);
    expect(listener.stats()).toMatchObject({ received: 1, applied: 1, malformed: 0, failed: 0 });
    await row.after(cache);
    expect(olds).toHaveLength(1);
    if (row.oldMatches) expect(olds[0]).toMatchObject(row.oldMatches);
    else expect(olds[0]).toEqual(row.old);
  });
});

describe('invites expire with max_age', () => {
  it('drops the invite once max_age seconds have passed', async () => {
    let now = 1_000_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.open();
    const listener = new GatewayListener(cache);
    listener.handle(dispatch('INVITE_CREATE', invite('short', G, '11', 60)));
    listener.handle(dispatch('INVITE_CREATE', invite('forever', G, '11', 0)));
    await listener.idle();
    expect((await cache.getInvite('short')).code).toBe('short');
    now += 61_000;
    await expect(cache.getInvite('short')).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.getInvite('forever')).code).toBe('forever');
  });
});
