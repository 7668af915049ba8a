/**
 * The op stream (src/stream/, scripts/batch.lua) on a single node: a batch of the listener's
 * common mutations is one script call and nothing else; a long one goes out in pieces of bounded
 * size, together; records the script can't parse are finished by Node; and the segments a batch
 * is cut into when the plan takes part of it keep the batch's order where it matters. What each op
 * does is held against MemoryCache by the conformance suite and the mutation differential.
 */
import { EntryNotFound, InvalidDataFound } from '@sake/errors';
import { applyReactionChange, mutation, type Mutation } from '@sake/abc';
import { fixtures } from '@sake/conformance';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../src/codec/index.js';
import { Keys } from '../src/keys.js';
import { OPS_PER_CALL } from '../src/stream/writer.js';
import { commandsDuring, isScriptCall, member, openedForBlock, sf, user } from './helpers.js';

function message(id: string, channelId: string, guildId: string, authorId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, channel_id: channelId, guild_id: guildId, author: user(authorId), content: `m${id.slice(-4)}`, timestamp: '2024-01-01T00:00:00.000Z', ...extra };
}

const evals = (seen: string[][]): string[][] => seen.filter(isScriptCall);

describe('the op stream on a single node', () => {
  const block = openedForBlock('stream');

  it('applies a batch of the listener’s common mutations in one script call and no other command', async () => {
    const { cache, admin, prefix } = block;
    const [guild, channel, voice, author, other] = [sf(), sf(), sf(), sf(), sf()];
    // Registers the guild (its reference in the user lists); the batch below adds no new ids.
    await cache.apply([mutation.set('member', member(guild, user(other), { roles: [] }) as never)]);
    const first = sf();
    const batch: Mutation[] = [
      mutation.set('message', message(first, channel, guild, author) as never, { channelLimit: 50 }),
      mutation.merge('member', { guildId: guild, userId: author }, member(guild, user(author), { roles: [] }), true),
      mutation.set('presence', fixtures.presence(guild, author)),
      mutation.merge('user', { userId: author }, { global_name: 'Renamed' }),
      mutation.set('voiceState', fixtures.voiceState(guild, author, voice)),
      mutation.merge('message', { messageId: first }, { content: 'edited' }),
      mutation.delete('member', { guildId: guild, userId: other }),
      mutation.delete('message', { messageId: first }),
    ];
    const seen = await commandsDuring(admin, prefix, () => cache.apply(batch));
    expect(evals(seen)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect((await cache.getMember(guild, author)).user.global_name).toBe('Renamed');
    expect((await cache.getPresence(guild, author)).status).toBe('online');
    expect(await cache.iterVoiceStatesForChannel(voice).len()).toBe(1);
    await expect(cache.getMessage(first)).rejects.toBeInstanceOf(EntryNotFound);
    await expect(cache.getMember(guild, other)).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.iterMembersForUser(author).toArray()).map((m) => m.guild_id)).toEqual([guild]);
  });

  it(`sends a long batch in pieces of at most ${OPS_PER_CALL} ops, together`, async () => {
    const { cache, admin, prefix } = block;
    const [guild, channel, author] = [sf(), sf(), sf()];
    const ids = Array.from({ length: 2 * OPS_PER_CALL + 1 }, () => sf());
    const seen = await commandsDuring(admin, prefix, () => cache.apply(ids.map((id) => mutation.set('message', message(id, channel, guild, author) as never))));
    // The later pieces' message keys are checked first, in one call (below), then the three pieces go out together.
    const checks = evals(seen).filter((args) => args[args.length - 1] === 'check');
    expect([checks.length, evals(seen).length - checks.length]).toEqual([1, 3]);
    expect(await cache.iterMessagesForChannel(channel).len()).toBe(ids.length);
  });

  it('a long batch with a foreign value under a message key in its last piece fails naming it, and writes nothing', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, channel, author] = [sf(), sf(), sf()];
    const ids = Array.from({ length: 2 * OPS_PER_CALL + 1 }, () => sf());
    await admin.hset(keys.message(ids[ids.length - 1]!), 'not', 'a message');
    const failed = await cache.apply(ids.map((id) => mutation.delete('message', { messageId: id }))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(InvalidDataFound);
    expect((failed as Error).message).toContain(keys.message(ids[ids.length - 1]!));
    await cache.apply([mutation.set('message', message(ids[0]!, channel, guild, author) as never)]);
    const again = await cache.apply(ids.map((id) => mutation.merge('message', { messageId: id }, { content: 'edited' }))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(InvalidDataFound);
    expect((await cache.getMessage(ids[0]!)).content).not.toBe('edited');
    await admin.del(keys.message(ids[ids.length - 1]!));
  });

  it('a moved message whose replaced record the script cannot place leaves its old indexes through Node', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, from, to, author] = [sf(), sf(), sf(), sf()];
    const id = sf();
    await cache.apply([mutation.set('message', message(id, from, guild, author) as never)]);
    // A record Node decodes whose author has no id: the script can't tell where it is indexed.
    await admin.set(keys.message(id), encodeRecord('message', { ...message(id, from, guild, author), author: { username: 'x' } }, { id }));
    await cache.apply([mutation.set('message', message(id, to, guild, author) as never)]);
    expect(await cache.iterMessagesForChannel(from).len()).toBe(0);
    expect((await cache.iterMessagesForChannel(to).toArray()).map((m) => m.id)).toEqual([id]);
  });

  it('a delete of a record the script cannot place removes it and its index entries through Node', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, channel, author] = [sf(), sf(), sf()];
    const [id, other] = [sf(), sf()];
    await cache.apply([
      mutation.set('message', message(id, channel, guild, author) as never),
      mutation.set('message', message(other, channel, guild, author) as never),
    ]);
    await admin.set(keys.message(id), encodeRecord('message', { ...message(id, channel, guild, author), author: { username: 'x' } }, { id }));
    await cache.apply([mutation.delete('message', { messageId: id })]);
    expect(await admin.exists(keys.message(id))).toBe(0);
    expect((await cache.iterMessagesForChannel(channel).toArray()).map((m) => m.id)).toEqual([other]);
    expect((await cache.iterMessagesForGuild(guild).toArray()).map((m) => m.id)).toEqual([other]);
    expect(await admin.zscore(keys.messagesByChannel(channel), id)).toBeNull();
  });

  it('a delete of a record the script cannot read removes it and its all-messages entry through Node', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, channel, author] = [sf(), sf(), sf()];
    const id = sf();
    await cache.apply([mutation.set('message', message(id, channel, guild, author) as never)]);
    await admin.set(keys.message(id), 'not a record');
    await cache.apply([mutation.delete('message', { messageId: id })]);
    expect(await admin.exists(keys.message(id))).toBe(0);
    expect(await admin.zscore(keys.allMessages, id)).toBeNull();
  });

  it('a react after a set of its message in one batch sees the message, in the same call', async () => {
    const { cache, admin, prefix } = block;
    const [guild, channel, author] = [sf(), sf(), sf()];
    const id = sf();
    const emoji = { id: null, name: '👍' };
    const seen = await commandsDuring(admin, prefix, () =>
      cache.apply([
        mutation.set('message', message(id, channel, guild, author) as never),
        mutation.react(id, { op: 'add', emoji, me: false, burst: false }),
        mutation.set('message', message(sf(), channel, guild, author) as never),
      ]),
    );
    expect(evals(seen)).toHaveLength(1);
    expect((await cache.getMessage(id)).reactions?.[0]?.count).toBe(1);
  });

  it('reacts on one stored message, with merges between them, each change the record as it is then, in one call', async () => {
    const { cache, admin, prefix } = block;
    const [guild, channel, author, id] = [sf(), sf(), sf(), sf()];
    const [thumb, sushi] = [
      { id: null, name: '👍' },
      { id: null, name: '🍣' },
    ];
    const one = (emoji: typeof thumb) => ({ count: 1, count_details: { burst: 0, normal: 1 }, me: false, me_burst: false, emoji, burst_colors: [] });
    const stored = { ...message(id, channel, guild, author), reactions: [one(thumb)] };
    const add = (emoji: typeof thumb) => mutation.react(id, { op: 'add', emoji, me: false, burst: false });
    const batch: Mutation[] = [
      add(thumb),
      add(sushi),
      // A merge of other fields between reacts, then one that replaces the reactions.
      mutation.merge('message', { messageId: id }, { content: 'edited' }),
      add(sushi),
      mutation.merge('message', { messageId: id }, { reactions: [one(sushi)] }),
      add(thumb),
      mutation.react(id, { op: 'remove', emoji: sushi, me: false, burst: false }),
    ];
    await cache.apply([mutation.set('message', stored as never)]);
    const seen = await commandsDuring(admin, prefix, () => cache.apply(batch));
    expect(evals(seen)).toHaveLength(1);
    const after = await cache.getMessage(id);
    // 👍 2, 🍣 1, 🍣 2; the merge leaves 🍣 1; 👍 added, 🍣 removed.
    expect(after.reactions).toEqual([{ ...one(thumb), emoji: { ...thumb } }]);
    expect(after.content).toBe('edited');
  });

  it('reports a confirmed batch’s old messages, invites, presences and voice states in its one script call', async () => {
    const { cache, admin, prefix } = block;
    const [guild, channel, voice, author, a, b] = [sf(), sf(), sf(), sf(), sf(), sf()];
    const [kept, gone, fresh] = [sf(), sf(), sf()];
    const invite = { code: `c${kept.slice(-6)}`, guild_id: guild, channel_id: channel, uses: 1 };
    await cache.apply([
      mutation.set('message', message(kept, channel, guild, author) as never),
      mutation.set('message', message(gone, channel, guild, author) as never),
      mutation.set('invite', invite as never),
      mutation.set('presence', { ...fixtures.presence(guild, a), status: 'idle' } as never),
      mutation.set('voiceState', fixtures.voiceState(guild, b, voice)),
    ]);
    const thumb = { id: null, name: '👍' };
    const batch: Mutation[] = [
      mutation.merge('message', { messageId: kept }, { content: 'edited' }),
      mutation.react(kept, { op: 'add', emoji: thumb, me: false, burst: false }),
      mutation.delete('message', { messageId: gone }),
      mutation.set('message', message(fresh, channel, guild, author) as never),
      mutation.delete('invite', { code: invite.code }),
      mutation.set('presence', fixtures.presence(guild, a)),
      mutation.delete('voiceState', { guildId: guild, userId: b }),
    ];
    let old: unknown[] = [];
    // Index 1 asked twice: each position gets its own copy.
    const seen = await commandsDuring(admin, prefix, async () => {
      old = ((await cache.apply(batch, { old: [0, 1, 2, 3, 4, 5, 6, 1] })) as { old: unknown[] }).old;
    });
    expect(evals(seen)).toHaveLength(1);
    expect(seen).toHaveLength(1);
    const [merged, reacted, deleted, created, inviteOld, presenceOld, voiceOld, again] = old as Array<Record<string, unknown> | undefined>;
    expect(merged?.content).toBe(message(kept, channel, guild, author).content);
    // The react's old value is what the merge before it left.
    expect([reacted?.content, reacted?.reactions]).toEqual(['edited', undefined]);
    expect(again).toEqual(reacted);
    expect(again).not.toBe(reacted);
    expect(deleted?.id).toBe(gone);
    expect(created).toBeUndefined();
    expect(inviteOld?.uses).toBe(1);
    expect(presenceOld?.status).toBe('idle');
    expect(voiceOld?.channel_id).toBe(voice);
    expect((await cache.getMessage(kept)).reactions?.[0]?.count).toBe(1);
    await expect(cache.getMessage(gone)).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('reports a confirmed batch’s old members joined with their users as they were at each op', async () => {
    const { cache, admin, prefix } = block;
    const [guild, a, b, c] = [sf(), sf(), sf(), sf()];
    // A long nick and name: split records (head and tail) on both sides.
    await cache.apply([
      mutation.set('member', member(guild, user(a, { global_name: 'g'.repeat(70) }), { roles: [], nick: 'n'.repeat(70) }) as never),
      mutation.set('member', member(guild, user(b), { roles: [], nick: 'bee' }) as never),
    ]);
    const batch: Mutation[] = [
      // Complete members, upserts: merges the script runs (as the listener sends them).
      mutation.merge('member', { guildId: guild, userId: a }, member(guild, user(a, { global_name: 'renamed' }), { roles: [], nick: 'short' }), true),
      mutation.merge('member', { guildId: guild, userId: a }, member(guild, user(a, { global_name: 'renamed' }), { roles: [], nick: 'again' }), true),
      mutation.delete('member', { guildId: guild, userId: b }),
      mutation.set('member', member(guild, user(c), { roles: [] }) as never),
    ];
    let old: unknown[] = [];
    const seen = await commandsDuring(admin, prefix, async () => {
      old = ((await cache.apply(batch, { old: [0, 1, 2, 3] })) as { old: unknown[] }).old;
    });
    expect(seen).toHaveLength(1);
    const [first, second, deleted, created] = old as Array<{ nick?: string; user: { global_name?: string } } | undefined>;
    expect([first?.nick, first?.user.global_name]).toEqual(['n'.repeat(70), 'g'.repeat(70)]);
    // What the first merge left, its user's rename included.
    expect([second?.nick, second?.user.global_name]).toEqual(['short', 'renamed']);
    expect(deleted?.nick).toBe('bee');
    expect(created).toBeUndefined();
    expect((await cache.getMember(guild, a)).nick).toBe('again');
  });

  it('reports an old member after the batch’s earlier role removal in its guild', async () => {
    const { cache } = block;
    const [guild, a, r1, r2] = [sf(), sf(), sf(), sf()];
    await cache.apply([mutation.set('member', member(guild, user(a), { roles: [r1, r2] }) as never)]);
    // The delete names no role: the removal, held for the guild, must still run before it is read.
    const result = await cache.apply([mutation.removeRole(guild, r1), mutation.delete('member', { guildId: guild, userId: a })], { old: [1] });
    expect(((result as { old: unknown[] }).old[0] as { roles: string[] }).roles).toEqual([r2]);
  });

  it('reports a confirmed batch’s old guilds, channels, roles and emojis, a channel moved between guilds included', async () => {
    const { cache, admin, prefix } = block;
    const [g1, g2, channel, role, emoji] = [sf(), sf(), sf(), sf(), sf()];
    await cache.apply([
      mutation.set('guild', fixtures.guild(g1, { name: 'one' })),
      mutation.set('channel', fixtures.channel(channel, g1, { name: 'before' })),
      mutation.set('role', fixtures.role(role, g1, { name: 'mods' })),
      mutation.set('emoji', fixtures.emoji(emoji, g1, { name: 'blob' })),
    ]);
    const batch: Mutation[] = [
      mutation.merge('guild', { guildId: g1 }, { name: 'renamed' }),
      mutation.set('channel', fixtures.channel(channel, g2, { name: 'moved' })),
      mutation.merge('channel', { channelId: channel }, { name: 'edited' }),
      mutation.delete('role', { roleId: role }),
      mutation.set('emoji', fixtures.emoji(emoji, g1, { name: 'blob2' })),
      mutation.delete('channel', { channelId: sf() }),
    ];
    let old: unknown[] = [];
    const seen = await commandsDuring(admin, prefix, async () => {
      old = ((await cache.apply(batch, { old: [0, 1, 2, 3, 4, 5] })) as { old: unknown[] }).old;
    });
    expect(seen).toHaveLength(1);
    const [guildOld, setOld, mergeOld, roleOld, emojiOld, none] = old as Array<{ name?: string; guild_id?: string } | undefined>;
    expect(guildOld?.name).toBe('one');
    expect([setOld?.name, setOld?.guild_id]).toEqual(['before', g1]);
    // The merge's old value is what the set before it left, in the guild it moved to.
    expect([mergeOld?.name, mergeOld?.guild_id]).toEqual(['moved', g2]);
    expect(roleOld?.name).toBe('mods');
    expect(emojiOld?.name).toBe('blob');
    expect(none).toBeUndefined();
    expect((await cache.getGuildChannel(channel)).name).toBe('edited');
  });

  it('takes a confirmed batch whose old values the stream does not report (a user’s) through the plan', async () => {
    const { cache, admin, prefix } = block;
    const [guild, a] = [sf(), sf()];
    await cache.apply([mutation.set('member', member(guild, user(a, { global_name: 'before' }), { roles: [] }) as never)]);
    let old: unknown[] = [];
    const seen = await commandsDuring(admin, prefix, async () => {
      old = ((await cache.apply([mutation.merge('user', { userId: a }, { global_name: 'after' })], { old: [0] })) as { old: unknown[] }).old;
    });
    // (sakeBatch is the one script called without keys.)
    expect(evals(seen).filter((args) => args[2] === '0')).toEqual([]);
    expect((old[0] as { global_name: string }).global_name).toBe('before');
    expect((await cache.getUser(a)).global_name).toBe('after');
  });

  it('a react on a stored message whose reactions the script does not read goes through the plan, as the contract counts', async () => {
    const { cache } = block;
    const [guild, channel, author] = [sf(), sf(), sf()];
    const emoji = { id: null, name: '👍' };
    // Reactions of shapes the script leaves to Node (a count as text, a reaction without flags).
    const odd = [
      { count: '2', count_details: { burst: 0, normal: 2 }, me: false, me_burst: false, emoji, burst_colors: [] },
      { count: 1, count_details: { burst: 0, normal: 1 }, emoji: { id: null, name: 'x' } },
    ];
    for (const pieces of [1, 2]) {
      const ids = Array.from({ length: pieces * OPS_PER_CALL }, () => sf());
      const target = ids[ids.length - 1]!;
      const stored = { ...message(target, channel, guild, author), reactions: odd };
      await cache.apply([mutation.set('message', stored as never)]);
      const change = { op: 'add', emoji: { id: null, name: 'x' }, me: true, burst: false } as const;
      // A batch of one piece, and one of two whose react is in its last piece: either is applied whole.
      await cache.apply([
        ...ids.slice(0, -1).map((id) => mutation.set('message', message(id, channel, guild, author) as never)),
        mutation.react(target, change),
      ]);
      expect((await cache.getMessage(target)).reactions).toEqual(applyReactionChange(odd as never, change));
      expect((await cache.getMessage(ids[0]!)).content).toBeDefined();
    }
  });
  it('a channel delete clears its messages in the stream call, with their indexes; one moved out earlier in the batch stays', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, gone, other, author] = [sf(), sf(), sf(), sf()];
    const channel = { id: gone, guild_id: guild, type: 0, name: 'gone', position: 0 };
    const [a, b, moved] = [sf(), sf(), sf()];
    await cache.apply([mutation.set('channel', channel), ...[a, b, moved].map((id) => mutation.set('message', message(id, gone, guild, author) as never))]);
    await cache.apply([
      mutation.merge('message', { messageId: moved }, { channel_id: other }),
      mutation.delete('channel', { channelId: gone }),
      mutation.set('message', message(sf(), other, guild, author) as never),
    ]);
    for (const id of [a, b]) await expect(cache.getMessage(id)).rejects.toBeInstanceOf(EntryNotFound);
    expect((await cache.getMessage(moved)).channel_id).toBe(other);
    expect(await admin.exists(keys.messagesByChannel(gone))).toBe(0);
    expect(await admin.zscore(keys.messagesByGuild(guild), a)).toBeNull();
    expect(await admin.zscore(keys.allMessages, b)).toBeNull();
    expect(await admin.zscore(keys.messagesByChannel(other), moved)).not.toBeNull();
    await expect(cache.getGuildChannel(gone)).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('a delete and a channel clear find the author of a message whose leading fields outgrow the head they read first', async () => {
    const { cache, admin } = block;
    const [guild, channel, author] = [sf(), sf(), sf()];
    // An author object of ~400 bytes: the placement read of its first 256 bytes is cut short, and the whole record is read.
    const long = { ...user(author), global_name: 'n'.repeat(400) };
    const [deleted, cleared, short] = [sf(), sf(), sf()];
    await cache.apply([
      mutation.set('message', message(deleted, channel, guild, author, { author: long }) as never),
      mutation.set('message', message(cleared, channel, guild, author, { author: long }) as never),
      mutation.set('message', message(short, channel, guild, author) as never),
    ]);
    expect(await cache.iterMessagesForAuthor(author).len()).toBe(3);
    const seen = await commandsDuring(admin, block.prefix, () => cache.apply([mutation.delete('message', { messageId: deleted })]));
    expect(evals(seen)).toHaveLength(1);
    expect((await cache.iterMessagesForAuthor(author).toArray()).map((m) => m.id).sort()).toEqual([cleared, short].sort());
    expect(await cache.iterMessagesForGuild(guild).len()).toBe(2);
    await cache.apply([mutation.clearFor('message', 'channel', channel)]);
    expect(await cache.iterMessagesForAuthor(author).len()).toBe(0);
    expect(await cache.iterMessagesForGuild(guild).len()).toBe(0);
    const keys = new Keys(block.prefix);
    for (const id of [deleted, cleared, short]) expect(await admin.zscore(keys.allMessages, id)).toBeNull();
    await expect(cache.getMessage(cleared)).rejects.toBeInstanceOf(EntryNotFound);
  });

  it('a channel delete over a foreign value under one of its message keys fails naming it, and writes nothing', async () => {
    const { cache, admin, prefix } = block;
    const keys = new Keys(prefix);
    const [guild, gone, author] = [sf(), sf(), sf()];
    const [kept, foreign] = [sf(), sf()];
    await cache.apply([
      mutation.set('message', message(kept, gone, guild, author) as never),
      mutation.set('message', message(foreign, gone, guild, author) as never),
    ]);
    await admin.del(keys.message(foreign));
    await admin.hset(keys.message(foreign), 'not', 'a message');
    const before = sf();
    const failed = await cache
      .apply([mutation.set('message', message(before, gone, guild, author) as never), mutation.delete('channel', { channelId: gone })])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(InvalidDataFound);
    expect((failed as Error).message).toContain(keys.message(foreign));
    expect((await cache.getMessage(kept)).channel_id).toBe(gone);
    await expect(cache.getMessage(before)).rejects.toBeInstanceOf(EntryNotFound);
    await admin.del(keys.message(foreign));
  });
});
