/**
 * Tests specific to one family: members joined with users, message channel
 * limits, threads stored as channels, user retention.
 */
import { EntryNotFound, InvalidDataFound, mutation } from '@sake/abc';
import type { MemberEntity, MessageEntity, UserEntity } from '@sake/abc';
import { check, rejects, same } from '../assert.js';
import { apply, call, iterate, readOk } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS } from '../specs.js';
import { expectAbsent, expectIter, expectValue, put, setOf } from './ops.js';

const members = SPECS.member;
const users = SPECS.user;
const messages = SPECS.message;
const channels = SPECS.channel;

/** Member tests: the member carries `guild_id` and the user joined from the user resource. */
export function memberExtras<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const withUsers = ctx.options.resources.has('user');

  test('getMember returns the member with guild_id and its full user', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const u = fx.user(h.id(), { global_name: 'Joined', avatar: 'a_abcdef' });
    const m = fx.member(guildId, u, { nick: 'nick' });
    await put(b, members, m);
    const got = await readOk(`getMember(${guildId}, ${u.id})`, () => call<MemberEntity>(b, 'getMember', guildId, u.id));
    check(got.guild_id === guildId, `getMember must carry guild_id ${guildId}, got ${String(got.guild_id)}`);
    same(got.user, u, 'getMember(…).user');
    same(got, m, 'getMember(…)');
  });

  if (withUsers) {
    test('setting a member sets its user', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      await put(b, members, fx.member(h.id(), u));
      same(await readOk('getUser after setting a member', () => call<UserEntity>(b, 'getUser', u.id)), u, 'getUser after setting a member');
    });

    test('members are joined with the current user on every read path', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const u = fx.user(h.id());
      const m = fx.member(guildId, u);
      await put(b, members, m);
      const renamed = { ...u, username: 'renamed', global_name: 'Renamed' };
      await put(b, users, renamed);
      const expected = { ...m, user: renamed };
      await expectValue(b, members, expected, 'after the user was set again');
      await expectIter(b, members, undefined, undefined, [expected], 'after the user was set again');
      if (ctx.options.refs) {
        await expectIter(b, members, 'guild', guildId, [expected], 'after the user was set again');
        await expectIter(b, members, 'user', u.id, [expected], 'after the user was set again');
      }
    });

    test('a member merge with a user patch merges into the user', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const u = fx.user(h.id());
      const m = fx.member(guildId, u);
      await put(b, members, m);
      const userPatch = { id: u.id, global_name: 'Merged Name' };
      await apply(b, mutation.merge('member', { guildId, userId: u.id }, { nick: 'merged', user: userPatch as UserEntity }));
      const mergedUser = { ...u, global_name: 'Merged Name' };
      await expectValue(b, members, { ...m, nick: 'merged', user: mergedUser }, 'after a merge carrying a partial user');
      same(
        await readOk('getUser after a member merge carrying a partial user', () => call<UserEntity>(b, 'getUser', u.id)),
        mergedUser,
        'getUser after a member merge carrying a partial user',
      );
    });

    test('a member whose user entry was deleted comes back with a user carrying its id', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const u = fx.user(h.id());
      const m = fx.member(guildId, u);
      await put(b, members, m);
      await call(b, 'deleteUser', u.id);
      const got = await readOk(`getMember(${guildId}, ${u.id})`, () => call<MemberEntity>(b, 'getMember', guildId, u.id));
      same(got, { ...m, user: { id: u.id } }, 'getMember after deleteUser');
    });

    test('a member merge without a user patch leaves the user entry as it is: a deleted user stays deleted', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const [u, v] = [fx.user(h.id()), fx.user(h.id())];
      await put(b, members, fx.member(guildId, u), fx.member(guildId, v));
      // In one batch with the delete, and in a batch after it.
      await apply(b, mutation.delete('user', { userId: u.id }), mutation.merge('member', { guildId, userId: u.id }, { nick: 'same batch' }));
      await call(b, 'deleteUser', v.id);
      await apply(b, mutation.merge('member', { guildId, userId: v.id }, { nick: 'later batch' }));
      for (const [user, when] of [
        [u, 'in the same batch'],
        [v, 'in a later batch'],
      ] as const) {
        await rejects(() => call(b, 'getUser', user.id), EntryNotFound, `getUser after its member was merged ${when} without a user patch`);
        const got = await readOk(`getMember(${guildId}, ${user.id})`, () => call<MemberEntity>(b, 'getMember', guildId, user.id));
        same(got.user, { id: user.id }, `getMember(…).user after its user was deleted and the member merged ${when}`);
      }
    });

    test('a member upsert without a user patch stores the user as { id }, or leaves a cached one as it is', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const known = fx.user(h.id());
      await put(b, users, known);
      const fresh = h.id();
      await apply(
        b,
        mutation.merge('member', { guildId, userId: fresh }, { nick: 'new' }, true),
        mutation.merge('member', { guildId, userId: known.id }, { nick: 'known' }, true),
      );
      same(await readOk('getUser of a new member upserted without a user', () => call<UserEntity>(b, 'getUser', fresh)), { id: fresh }, 'its user entry');
      same(
        await readOk('getUser of a cached user whose member was upserted without one', () => call<UserEntity>(b, 'getUser', known.id)),
        known,
        'its user entry',
      );
    });

    test('a member upsert after its user expired creates the user from the patch alone', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const old = fx.user(h.id(), { global_name: 'Old' });
      await apply(b, mutation.set('user', old, { ttlMs: 50 }));
      // A plain wait, no read: a read may drop the expired entry itself.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const userPatch = { id: old.id, username: 'new' };
      await apply(b, mutation.merge('member', { guildId, userId: old.id }, { nick: 'n', user: userPatch as UserEntity }, true));
      same(
        await readOk('getUser after the upsert', () => call<UserEntity>(b, 'getUser', old.id)),
        userPatch,
        'the user, created by the upsert after the old one expired',
      );
    });

    test("a user's ttlMs holds through deletes of a member or presence it does not have", async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const u = fx.user(h.id());
      await apply(b, mutation.set('user', u, { ttlMs: 50 }));
      const deletes = [mutation.delete('member', { guildId, userId: u.id })];
      if (ctx.options.resources.has('presence')) deletes.push(mutation.delete('presence', { guildId, userId: u.id }));
      await apply(b, ...deletes);
      // A plain wait, no read: a read may drop the expired entry itself.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await rejects(
        () => call(b, 'getUser', u.id),
        EntryNotFound,
        'getUser of a user set with ttlMs 50, then deletes of a member and presence it has not, 300 ms later',
      );
    });

    test('a member replace listing a user twice stores the last and counts the member once', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const [u, v] = [fx.user(h.id()), fx.user(h.id())];
      const last = fx.member(guildId, u, { nick: 'last' });
      await apply(b, mutation.replaceForGuild('member', guildId, [fx.member(guildId, u, { nick: 'first' }), fx.member(guildId, v), last]));
      await expectValue(b, members, last, 'after a replace listing the member twice');
      await expectIter(b, members, undefined, undefined, [last, fx.member(guildId, v)], 'after a replace listing a member twice');
    });

    test('a user a cached member refers to does not expire with its ttl', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      await apply(b, mutation.set('user', u, { ttlMs: 50 }), mutation.set('member', fx.member(h.id(), u)));
      // Give the ttl time to pass; the user must still be there (a wait, not a timing assertion).
      await new Promise((resolve) => setTimeout(resolve, 200));
      same(
        await readOk("getUser of a member's user 200 ms after a 50 ms ttl", () => call<UserEntity>(b, 'getUser', u.id)),
        u,
        "getUser of a member's user 200 ms after a 50 ms ttl",
      );
    });
  }

  if (withUsers) {
    test("a user set with ttlMs after its member (the listener's order) does not expire while the member refers to it", async (h) => {
      const b = await h.open();
      const apart = fx.user(h.id());
      const together = fx.user(h.id());
      const inApart = fx.member(h.id(), apart);
      const inTogether = fx.member(h.id(), together);
      // In two batches, and in one: either way the member was there first.
      await apply(b, mutation.set('member', inApart));
      await apply(b, mutation.set('user', apart, { ttlMs: 50 }));
      await apply(b, mutation.set('member', inTogether), mutation.set('user', together, { ttlMs: 50 }));
      // Give the ttl time to pass (a wait, not a timing assertion).
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const [u, m] of [
        [apart, inApart],
        [together, inTogether],
      ] as const) {
        same(await readOk(`getUser(${u.id}) 250 ms after a 50 ms ttl, set after its member`, () => call(b, 'getUser', u.id)), u, `getUser(${u.id})`);
        await expectValue(b, members, m, 'whose user was set with a 50 ms ttl after it, 250 ms later');
      }
      await expectIter(b, users, undefined, undefined, [apart, together], "members' users set with a ttl after their members, 250 ms later");
    });

    test('a user stays cached when its last member goes, whichever way the member goes', async (h) => {
      const b = await h.open();
      const ways: Array<{ name: string; remove: (m: MemberEntity) => Promise<unknown> }> = [
        { name: 'deleteMember()', remove: (m) => call(b, 'deleteMember', m.guild_id, m.user.id) },
        { name: 'a delete mutation', remove: (m) => apply(b, mutation.delete('member', { guildId: m.guild_id, userId: m.user.id })) },
        { name: 'a replaceForGuild mutation without it', remove: (m) => apply(b, mutation.replaceForGuild('member', m.guild_id, [])) },
        { name: 'clearMembers()', remove: () => call(b, 'clearMembers') },
      ];
      if (ctx.options.refs) {
        ways.push(
          { name: 'clearMembersForGuild()', remove: (m) => call(b, 'clearMembersForGuild', m.guild_id) },
          { name: 'clearMembersForUser()', remove: (m) => call(b, 'clearMembersForUser', m.user.id) },
          { name: 'a clearFor(guild) mutation', remove: (m) => apply(b, mutation.clearFor('member', 'guild', m.guild_id)) },
        );
      }
      for (const way of ways) {
        const u = fx.user(h.id());
        const m = fx.member(h.id(), u);
        await put(b, members, m);
        await way.remove(m);
        await expectAbsent(b, members, m, `after ${way.name}`);
        same(await readOk(`getUser(${u.id}) right after its last member went by ${way.name}`, () => call(b, 'getUser', u.id)), u, `getUser after ${way.name}`);
      }
    });
  }

  test('deleting a member leaves its user and its other guilds alone', async (h) => {
    const b = await h.open();
    const u = fx.user(h.id());
    const m1 = fx.member(h.id(), u);
    const m2 = fx.member(h.id(), u);
    await put(b, members, m1, m2);
    await call(b, 'deleteMember', m1.guild_id, u.id);
    await expectAbsent(b, members, m1, 'after deleteMember');
    await expectValue(b, members, m2, 'the same user in another guild after deleteMember');
    if (withUsers) same(await readOk('getUser after deleteMember', () => call<UserEntity>(b, 'getUser', u.id)), u, 'getUser after deleteMember');
  });
}

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
    await new Promise((resolve) => setTimeout(resolve, 300));
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
    await new Promise((resolve) => setTimeout(resolve, 200));
    same(
      await readOk('getUser 200 ms after re-setting without ttl', () => call<UserEntity>(b, 'getUser', u.id)),
      u,
      'getUser 200 ms after re-setting without ttl',
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
