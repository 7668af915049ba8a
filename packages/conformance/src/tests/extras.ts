/**
 * Tests specific to one family: message channel limits, guild deletes,
 * threads stored as channels, user ttls, me (members: member-extras.ts).
 */
import { EntryNotFound, InvalidDataFound, mutation } from '@sake/abc';
import type { InviteEntity, MessageEntity, UserEntity } from '@sake/abc';
import { check, rejects, same } from '../assert.js';
import { apply, call, iterate, readOk } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS } from '../specs.js';
import { expectAbsent, expectIter, expectValue, put, setOf } from './ops.js';
import { setTimeout as sleep } from 'node:timers/promises';

const messages = SPECS.message;
const channels = SPECS.channel;

/** Message tests: `channelLimit` keeps the newest ids of a channel. */
export function messageExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;

  test('set with channelLimit keeps only the newest N messages of that channel', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const channelId = h.id();
    const otherChannel = h.id();
    const author = fx.user(h.id());
    const others = [fx.message(h.id(), otherChannel, author, guildId), fx.message(h.id(), otherChannel, author, guildId)];
    await put(b, messages, ...others);
    const ids = Array.from({ length: 5 }, () => h.id());
    const inChannel = ids.map((id) => fx.message(id, channelId, author, guildId));
    for (const m of inChannel) await apply(b, setOf(messages, m, { channelLimit: 3 }));
    const kept = inChannel.slice(2);
    for (const m of inChannel.slice(0, 2)) await expectAbsent(b, messages, m, 'an old message beyond channelLimit 3');
    for (const m of kept) await expectValue(b, messages, m, 'one of the newest 3 messages');
    for (const m of others) await expectValue(b, messages, m, 'a message of another channel (channelLimit is per channel)');
    if (ctx.options.refs) {
      await expectIter(b, messages, 'channel', channelId, kept, 'after 5 sets with channelLimit 3');
      await expectIter(b, messages, 'author', author.id, [...others, ...kept], 'after evictions by channelLimit');
    }
  });

  test('channelLimit evicts by id: a message older than the newest N is not kept', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const channelId = h.id();
    const author = fx.user(h.id());
    const older = fx.message(h.id(), channelId, author, guildId);
    const newer = [h.id(), h.id(), h.id()].map((id) => fx.message(id, channelId, author, guildId));
    for (const m of newer) await apply(b, setOf(messages, m, { channelLimit: 3 }));
    // Arrives late (e.g. a backfill) but has the oldest id: it is the one evicted.
    await apply(b, setOf(messages, older, { channelLimit: 3 }));
    await expectAbsent(b, messages, older, 'an older id set after the channel was full');
    for (const m of newer) await expectValue(b, messages, m, 'the newest 3 ids');
  });

  test('an expired message does not count toward a channel limit', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const channelId = h.id();
    const author = fx.user(h.id());
    const [live, shortLived, latest] = [h.id(), h.id(), h.id()].map((id) => fx.message(id, channelId, author, guildId));
    await apply(b, setOf(messages, live!), setOf(messages, shortLived!, { ttlMs: 50 }));
    // A plain wait, no read: a read may drop the expired entry itself, and the limit must not depend on one.
    await sleep(300);
    await apply(b, setOf(messages, latest!, { channelLimit: 2 }));
    await expectValue(b, messages, live!, 'the older live message, within channelLimit 2 once the expired one is not counted');
    await expectValue(b, messages, latest!, 'the message set with channelLimit 2');
  });

  test('messages without channelLimit are not evicted', async (h) => {
    const b = await h.open();
    const channelId = h.id();
    const author = fx.user(h.id());
    const all = Array.from({ length: 12 }, () => fx.message(h.id(), channelId, author, h.id()));
    await put(b, messages, ...all);
    const count = await iterate<MessageEntity>(b, 'iterMessages').len();
    check(count === 12, `iterMessages().len() after 12 sets without channelLimit: expected 12, got ${count}`);
  });
}

/** Guild tests: deleting a guild removes the guild entry only. */
export function guildExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const children = (['channel', 'emoji', 'role', 'member', 'presence', 'voiceState', 'message', 'invite'] as const).filter((r) => ctx.options.resources.has(r));
  if (children.length === 0) return;
  for (const how of ['deleteGuild()', 'a delete mutation'] as const) {
    ctx.test(`${how} removes the guild only: its ${children.map((r) => SPECS[r].plural).join(', ')} stay cached`, async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const g = fx.guild(guildId);
      const kept = children.map((r) => ({ s: SPECS[r], v: SPECS[r].build(h.parents({ guildId })) }));
      await put(b, SPECS.guild, g);
      for (const { s, v } of kept) await put(b, s, v);
      if (how === 'deleteGuild()') await call(b, 'deleteGuild', guildId);
      else await apply(b, mutation.delete('guild', { guildId }));
      await expectAbsent(b, SPECS.guild, g, `after ${how}`);
      for (const { s, v } of kept) {
        await expectValue(b, s, v, `a child of a guild removed by ${how} (no cascade)`);
        if (ctx.options.refs) await expectIter(b, s, 'guild', guildId, [v], `after ${how} of that guild (no cascade)`);
      }
    });
  }
  for (const r of (['role', 'emoji'] as const).filter((x) => ctx.options.resources.has(x))) {
    ctx.test(`${r === 'emoji' ? 'an' : 'a'} ${r} moved to another guild earlier in the batch is not removed by its old guild's replace`, async (h) => {
      const b = await h.open();
      const [guildId, otherId, id] = [h.id(), h.id(), h.id()];
      const s = SPECS[r];
      await put(b, s, s.build(h.parents({ guildId, id })));
      const moved = s.build(h.parents({ guildId: otherId, id }));
      await apply(b, setOf(s, moved), mutation.replaceForGuild(r, guildId, []));
      await expectValue(b, s, moved, `after [set it under another guild, replaceForGuild(${r}) of its old guild with none]`);
    });
  }
}

/** Channel tests: threads live in the channel resource and its guild index. */
export function channelExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  ctx.test('threads and voice channels are stored as guild channels', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const text = fx.channel(h.id(), guildId);
    const voice = fx.voiceChannel(h.id(), guildId);
    const thread = fx.thread(h.id(), guildId, text.id);
    await put(b, channels, text, voice, thread);
    await expectValue(b, channels, thread, 'a thread');
    await expectValue(b, channels, voice, 'a voice channel');
    if (ctx.options.refs) await expectIter(b, channels, 'guild', guildId, [text, voice, thread], 'with a thread');
  });
}

/** User tests. */
export function userExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  ctx.test('a user set with a ttl is kept when set again without one', async (h) => {
    const b = await h.open();
    const u = fx.user(h.id());
    await apply(b, mutation.set('user', u, { ttlMs: 50 }), mutation.set('user', u));
    await sleep(200);
    same(
      await readOk('getUser 200 ms after re-setting without ttl', () => call<UserEntity>(b, 'getUser', u.id)),
      u,
      'getUser 200 ms after re-setting without ttl',
    );
  });

  // MergeMutation.ttlMs: a merge into an existing entry keeps its expiry, in a later batch or in
  // the batch that set it.
  for (const sameBatch of [false, true]) {
    ctx.test(`a merge keeps a user's ttlMs (${sameBatch ? 'in the batch that set it' : 'in a later batch'})`, async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      const set = mutation.set('user', u, { ttlMs: 50 });
      const merge = mutation.merge('user', { userId: u.id }, { global_name: 'renamed' });
      if (sameBatch) await apply(b, set, merge);
      else {
        await apply(b, set);
        await apply(b, merge);
      }
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
      await rejects(() => call(b, 'getUser', u.id), EntryNotFound, 'getUser 300 ms after a set with ttlMs 50 and a merge');
    });
  }
}

/** Invite tests. */
export function inviteExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  ctx.test('an invite set without ttlMs stays past its max_age (only ttlMs drops an entry)', async (h) => {
    const b = await h.open();
    const invite = fx.invite(fx.inviteCodeOf(h.id()), h.id(), h.id(), undefined, { max_age: 1 });
    await apply(b, mutation.set('invite', invite));
    // Past its max_age of 1 s; a plain wait, no read.
    await sleep(1200);
    same(
      await readOk('getInvite 1.2 s after a set with max_age 1 and no ttlMs', () => call<InviteEntity>(b, 'getInvite', invite.code)),
      invite,
      'getInvite 1.2 s after a set with max_age 1 and no ttlMs',
    );
  });
}

/** The `me` resource: one entry, no key. */
export function meBody<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;

  test('getMe rejects with EntryNotFound before any me is set', async (h) => {
    const b = await h.open();
    await rejects(() => call(b, 'getMe'), EntryNotFound, 'getMe() on an empty store');
  });

  test('set me then getMe returns exactly that user; a later set replaces it', async (h) => {
    const b = await h.open();
    const me = fx.user(h.id(), { bot: true, accent_color: 0x00ff00 });
    await apply(b, mutation.set('me', me));
    same(await readOk('getMe() after set', () => call(b, 'getMe')), me, 'getMe() after set');
    const renamed = fx.user(me.id, { bot: true, username: 'renamed' });
    await apply(b, mutation.set('me', renamed));
    same(await readOk('getMe() after a second set without accent_color', () => call(b, 'getMe')), renamed, 'getMe() after a second set without accent_color');
  });

  test('merge me shallow-merges (upsert creates, no upsert leaves it absent)', async (h) => {
    const b = await h.open();
    const me = fx.user(h.id(), { bot: true });
    await apply(b, mutation.merge('me', {}, { username: 'nobody' }, false));
    await rejects(() => call(b, 'getMe'), EntryNotFound, 'getMe() after merge without upsert on an absent me');
    await apply(b, mutation.merge('me', {}, me, true));
    same(await readOk('getMe() after merge with upsert', () => call(b, 'getMe')), me, 'getMe() after merge with upsert');
    await apply(b, mutation.merge('me', {}, { username: 'patched' }));
    same(await readOk('getMe() after merge', () => call(b, 'getMe')), { ...me, username: 'patched' }, 'getMe() after merge');
  });

  test('ttlMs and channelLimit on a me set or merge are rejected with TypeError', async (h) => {
    const b = await h.open();
    const me = fx.user(h.id());
    for (const options of [{ ttlMs: 60_000 }, { channelLimit: 5 }]) {
      await rejects(() => apply(b, mutation.set('me', me, options)), TypeError, `apply([set me with ${Object.keys(options)[0]}])`);
      await rejects(() => apply(b, mutation.merge('me', {}, me, true, options)), TypeError, `apply([merge me with ${Object.keys(options)[0]}])`);
    }
    await rejects(() => call(b, 'getMe'), EntryNotFound, 'getMe() after rejected batches');
  });

  test('deleteMe removes me and resolves when absent', async (h) => {
    const b = await h.open();
    await call(b, 'deleteMe');
    await apply(b, mutation.set('me', fx.user(h.id())));
    await call(b, 'deleteMe');
    await rejects(() => call(b, 'getMe'), EntryNotFound, 'getMe() after deleteMe()');
    await apply(b, mutation.set('me', fx.user(h.id())), mutation.delete('me', {}));
    await rejects(() => call(b, 'getMe'), EntryNotFound, 'getMe() after a delete mutation');
  });

  if (ctx.options.corrupt) {
    const corrupt = ctx.options.corrupt;
    test('corrupt bytes: getMe rejects with InvalidDataFound', async (h) => {
      const b = await h.open();
      await apply(b, mutation.set('me', fx.user(h.id())));
      await corrupt(b, 'me', {});
      await rejects(() => call(b, 'getMe'), InvalidDataFound, 'getMe() of corrupt bytes');
    });
  }
}
