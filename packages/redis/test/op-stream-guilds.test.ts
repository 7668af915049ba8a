/**
 * The op stream's guild, child, role removal and invite ops (scripts/includes/batch-guilds.lua,
 * batch-roles.lua, batch-invites.lua, and the voice clear of batch-children.lua) on a single node:
 * the listener's structural mutations and a channel delete's whole cascade are one script call; a
 * child set under another guild moves it; a role removal strips the members stored before it in
 * the call, and one over a large guild is left to the plan; foreign values under invite keys fail
 * the batch with nothing written.
 * What each op does is held against MemoryCache by the conformance suite and the mutation
 * differential.
 */
import { EntryNotFound, InvalidDataFound } from '@sake/errors';
import { mutation, type Mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { describe, expect, it } from 'vitest';
import { memberBucketsFor } from '../src/apply/plan.js';
import { Keys } from '../src/keys.js';
import { OPS_PER_CALL } from '../src/stream/writer.js';
import { STREAM_STRIP_MEMBERS } from '../src/stream/coverage.js';
import { commandsDuring, isScriptCall, member, openedForBlock, sf, user } from './helpers.js';

const evals = (seen: string[][]): string[][] => seen.filter(isScriptCall);

/** What `run` rejects with (undefined when it resolves). */
const failure = (run: Promise<unknown>): Promise<unknown> =>
  run.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the op stream’s guild and invite ops on a single node', () => {
  const block = openedForBlock('stream-guilds');

  it('applies guild, channel, role, emoji and invite writes and a channel delete’s cascade in one script call', async () => {
    const { cache, admin, prefix } = block;
    const [guild, text, voice, author] = [sf(), sf(), sf(), sf()];
    const [role, emoji] = [sf(), sf()];
    const message = { id: sf(), channel_id: voice, guild_id: guild, author: user(author), content: 'm', timestamp: '2024-01-01T00:00:00.000Z' };
    await cache.apply([
      mutation.set('guild', fixtures.guild(guild)),
      mutation.set('channel', fixtures.channel(voice, guild)),
      mutation.set('message', message as never),
      mutation.set('voiceState', fixtures.voiceState(guild, author, voice)),
      mutation.set('invite', fixtures.invite(`v${sf()}`, voice, guild)),
    ]);
    const kept = fixtures.invite(`k${sf()}`, text, guild);
    const batch: Mutation[] = [
      mutation.merge('guild', { guildId: guild }, { name: 'Renamed' }, true),
      mutation.set('channel', fixtures.channel(text, guild)),
      mutation.merge('channel', { channelId: text }, { last_pin_timestamp: '2024-01-02T00:00:00.000Z' }),
      mutation.set('role', fixtures.role(role, guild)),
      mutation.replaceForGuild('emoji', guild, [fixtures.emoji(emoji, guild)]),
      mutation.set('invite', kept),
      mutation.delete('channel', { channelId: voice }),
    ];
    const seen = await commandsDuring(admin, prefix, () => cache.apply(batch));
    expect(evals(seen)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect((await cache.getGuild(guild)).name).toBe('Renamed');
    expect(((await cache.getGuildChannel(text)) as { last_pin_timestamp?: string | null }).last_pin_timestamp).toBe('2024-01-02T00:00:00.000Z');
    expect((await cache.getRole(role)).guild_id).toBe(guild);
    expect((await cache.iterEmojisForGuild(guild).toArray()).map((e) => e.id)).toEqual([emoji]);
    expect((await cache.iterInvitesForGuild(guild).toArray()).map((i) => i.code)).toEqual([kept.code]);
    await expect(cache.getGuildChannel(voice)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getMessage(message.id)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getVoiceState(guild, author)).rejects.toBeInstanceOf(EntryNotFound);
    expect(await cache.iterVoiceStatesForChannel(voice).len()).toBe(0);
  });

  it('a guild set sizes the member buckets of a guild without members by its member_count', async () => {
    const { cache, admin, prefix } = block;
    const guild = sf();
    // A large guild's GUILD_CREATE: few of its members; its chunks bring the rest into these buckets.
    await cache.apply([
      mutation.set('guild', { ...fixtures.guild(guild), member_count: 10_000 }),
      mutation.replaceForGuild('channel', guild, [fixtures.channel(sf(), guild)]),
      mutation.replaceForGuild('role', guild, [fixtures.role(sf(), guild)]),
      mutation.replaceForGuild('member', guild, [member(guild, user(sf()))] as never),
    ]);
    expect(await admin.hget(new Keys(prefix).guildMeta(guild), 'mb')).toBe(String(memberBucketsFor(10_000)));
    // Without a replace (a large guild's GUILD_CREATE sets the few members it lists), through the stream.
    const other = sf();
    await cache.apply([mutation.set('guild', { ...fixtures.guild(other), member_count: 10_000 }), mutation.set('member', member(other, user(sf())) as never)]);
    expect(await admin.hget(new Keys(prefix).guildMeta(other), 'mb')).toBe(String(memberBucketsFor(10_000)));
  });

  it('a channel set under another guild leaves the guild it was in', async () => {
    const { cache } = block;
    const [from, to, channel] = [sf(), sf(), sf()];
    await cache.apply([mutation.set('channel', fixtures.channel(channel, from))]);
    await cache.apply([mutation.set('channel', fixtures.channel(channel, to))]);
    expect(await cache.iterGuildChannelsForGuild(from).len()).toBe(0);
    expect((await cache.getGuildChannel(channel)).guild_id).toBe(to);
    // A replace of the first guild's roles takes nothing of the second's.
    const role = sf();
    await cache.apply([mutation.set('role', fixtures.role(role, from)), mutation.set('role', fixtures.role(role, to))]);
    await cache.apply([mutation.replaceForGuild('role', from, [])]);
    expect((await cache.getRole(role)).guild_id).toBe(to);
  });

  it('removes a role from the members stored before it in the same call; members written after keep it', async () => {
    const { cache, admin, prefix } = block;
    const [guild, role, other] = [sf(), sf(), sf()];
    const [before, after, stored] = [sf(), sf(), sf()];
    await cache.apply([mutation.set('member', member(guild, user(stored), { roles: [role, other] }) as never)]);
    const batch: Mutation[] = [
      mutation.set('member', member(guild, user(before), { roles: [role] }) as never),
      mutation.removeRole(guild, role),
      mutation.merge('member', { guildId: guild, userId: after }, member(guild, user(after), { roles: [role] }), true),
    ];
    const seen = await commandsDuring(admin, prefix, () => cache.apply(batch));
    expect(evals(seen)).toHaveLength(1);
    const roles = async (id: string): Promise<string[]> => (await cache.getMember(guild, id)).roles;
    expect([await roles(stored), await roles(before), await roles(after)]).toEqual([[other], [], [role]]);
  });

  it('removes several roles of a guild in one op, each before the member writes that name it', async () => {
    const { cache } = block;
    const [guild, r1, r2, r3] = [sf(), sf(), sf(), sf()];
    const [a, b] = [sf(), sf()];
    await cache.apply([mutation.set('member', member(guild, user(a), { roles: [r1, r2, r3] }) as never)]);
    await cache.apply([
      mutation.removeRole(guild, r1),
      mutation.removeRole(guild, r2),
      // Names r2: the removals held so far run before it; r3's after it.
      mutation.set('member', member(guild, user(b), { roles: [r2, r3] }) as never),
      mutation.removeRole(guild, r3),
    ]);
    expect((await cache.getMember(guild, a)).roles).toEqual([]);
    expect((await cache.getMember(guild, b)).roles).toEqual([r2]);
  });

  it(`leaves a role removal in a guild of more than ${STREAM_STRIP_MEMBERS} members to the plan`, async () => {
    const { cache, admin, prefix } = block;
    const [guild, role] = [sf(), sf()];
    const members = Array.from({ length: STREAM_STRIP_MEMBERS + 1 }, () => member(guild, user(sf()), { roles: [role] }));
    await cache.apply([mutation.replaceForGuild('member', guild, members as never)]);
    const seen = await commandsDuring(admin, prefix, () => cache.apply([mutation.removeRole(guild, role)]));
    // The stream's refusal, then the plan's pre-read and strips.
    expect(evals(seen).length).toBeGreaterThan(2);
    const left = await cache.iterMembersForGuild(guild).toArray();
    expect(left.filter((m) => m.roles.length > 0)).toEqual([]);
    // The guild is known as large now: its next removal goes to the plan without the refused call
    // (sakeBatch is the one script called without keys).
    const again = await commandsDuring(admin, prefix, () => cache.apply([mutation.removeRole(guild, sf())]));
    expect(evals(again).filter((args) => args[2] === '0')).toEqual([]);
    expect(evals(seen).filter((args) => args[2] === '0')).toHaveLength(1);
  });

  it('a long batch whose earlier pieces take a guild past the limit still removes the role in its last piece', async () => {
    const { cache } = block;
    const [guild, role] = [sf(), sf()];
    const members = Array.from({ length: STREAM_STRIP_MEMBERS }, () => member(guild, user(sf()), { roles: [role] }));
    await cache.apply([mutation.replaceForGuild('member', guild, members as never)]);
    // Member upserts (stream ops) fill the first pieces; the check call saw the guild at the limit.
    const added = Array.from({ length: 2 * OPS_PER_CALL }, () => sf());
    await cache.apply([
      ...added.map((id) => mutation.merge('member', { guildId: guild, userId: id }, member(guild, user(id), { roles: [role] }), true)),
      mutation.removeRole(guild, role),
    ]);
    const left = await cache.iterMembersForGuild(guild).toArray();
    expect(left).toHaveLength(STREAM_STRIP_MEMBERS + added.length);
    expect(left.filter((m) => m.roles.length > 0)).toEqual([]);
  });

  it('an invite key holding a foreign value or an unreadable record fails the batch naming it, and writes nothing', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, channel] = [sf(), sf()];
    const [bad, unreadable] = [`b${sf()}`, `u${sf()}`];
    await admin.hset(keys.invite(bad), 'not', 'an invite');
    await admin.set(keys.invite(unreadable), 'not a record');
    const role = sf();
    for (const code of [bad, unreadable]) {
      const failed = await failure(cache.apply([mutation.set('role', fixtures.role(role, guild)), mutation.delete('invite', { code })]));
      expect(failed).toBeInstanceOf(InvalidDataFound);
      expect((failed as Error).message).toContain(keys.invite(code));
      await expect(cache.getRole(role)).rejects.toBeInstanceOf(EntryNotFound);
    }
    // In a long batch's last piece, and listed by a channel a later piece clears.
    await admin.zadd(keys.invitesByChannel(channel), 'inf', bad);
    const many = Array.from({ length: 2 * OPS_PER_CALL }, () => mutation.set('role', fixtures.role(sf(), guild)));
    const failed = await failure(cache.apply([...many, mutation.clearFor('invite', 'channel', channel)]));
    expect(failed).toBeInstanceOf(InvalidDataFound);
    expect((failed as Error).message).toContain(keys.invite(bad));
    expect(await cache.iterRolesForGuild(guild).len()).toBe(0);
    await admin.del(keys.invite(bad), keys.invite(unreadable), keys.invitesByChannel(channel));
  });
});
