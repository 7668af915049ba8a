/**
 * Member tests: the member carries `guild_id` and joins its user from the user resource; how member
 * writes leave the user entry (merges, upserts, replaces, deletes of users) and user retention.
 */
import { EntryNotFound, mutation } from '@sake/abc';
import type { MemberEntity, UserEntity } from '@sake/abc';
import { check, rejects, same } from '../assert.js';
import { apply, call, readOk } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS } from '../specs.js';
import { expectAbsent, expectIter, expectValue, put } from './ops.js';
import { setTimeout as sleep } from 'node:timers/promises';

const members = SPECS.member;
const users = SPECS.user;

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

    test('a member upsert merges into the user the same batch set again after it expired', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id(), { global_name: 'Old' });
      await apply(b, mutation.set('user', u, { ttlMs: 50 }));
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
      const m = fx.member(h.id(), u);
      await apply(
        b,
        mutation.set('member', m),
        mutation.merge('member', { guildId: m.guild_id, userId: u.id }, { nick: 'n', user: { id: u.id, username: 'new' } as UserEntity }, true),
      );
      same(
        await readOk('getUser after the set and the upsert', () => call<UserEntity>(b, 'getUser', u.id)),
        { ...u, username: 'new' },
        'the user set again, with the patch merged in',
      );
    });

    test('a member upsert after its user expired creates the user from the patch alone', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const old = fx.user(h.id(), { global_name: 'Old' });
      await apply(b, mutation.set('user', old, { ttlMs: 50 }));
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
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
      await sleep(300);
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
      await sleep(200);
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
      await sleep(250);
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

    test('a ttlMs given while a member refers to the user is not remembered when the member goes later in the batch', async (h) => {
      const b = await h.open();
      const [u, v, w, x] = [fx.user(h.id()), fx.user(h.id()), fx.user(h.id()), fx.user(h.id())];
      const [mu, mv, mw, mx] = [fx.member(h.id(), u), fx.member(h.id(), v), fx.member(h.id(), w), fx.member(h.id(), x)];
      await put(b, members, mu, mv, mx);
      // Each set while its member is cached (the ttlMs is ignored), then the member goes: by a delete,
      // by a replace, and (w) by a delete of a member the same batch cached.
      await apply(b, mutation.set('user', u, { ttlMs: 50 }), mutation.delete('member', { guildId: mu.guild_id, userId: u.id }));
      await apply(b, mutation.set('user', v, { ttlMs: 50 }), mutation.replaceForGuild('member', mv.guild_id, []));
      await apply(b, mutation.set('member', mw), mutation.set('user', w, { ttlMs: 50 }), mutation.delete('member', { guildId: mw.guild_id, userId: w.id }));
      // x: a delete of a member x does not have comes first.
      const nowhere = { guildId: h.id(), userId: x.id };
      await apply(
        b,
        mutation.delete('member', nowhere),
        mutation.set('user', x, { ttlMs: 50 }),
        mutation.delete('member', { guildId: mx.guild_id, userId: x.id }),
      );
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
      for (const [user, way] of [
        [u, 'delete'],
        [v, 'replace'],
        [w, 'set and delete in one batch'],
        [x, 'delete after a delete of a member it did not have'],
      ] as const)
        same(
          await readOk(`getUser 300 ms after a set with ttlMs 50 while its member was cached, then a ${way} of the member`, () => call(b, 'getUser', user.id)),
          user,
          `getUser (${way})`,
        );
    });

    test('a user set with ttlMs after a delete dropped its last member expires with that ttl', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      const m = fx.member(h.id(), u);
      await put(b, members, m);
      await apply(b, mutation.delete('member', { guildId: m.guild_id, userId: u.id }), mutation.set('user', u, { ttlMs: 50 }));
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
      await rejects(() => call(b, 'getUser', u.id), EntryNotFound, 'getUser 300 ms after a delete of its member, then a set with ttlMs 50');
    });

    test('a user set with ttlMs after a replace dropped its last member expires with that ttl', async (h) => {
      const b = await h.open();
      const u = fx.user(h.id());
      const m = fx.member(h.id(), u);
      await put(b, members, m);
      // The replace first: when the user is set, no member refers to it, so its ttlMs holds.
      await apply(b, mutation.replaceForGuild('member', m.guild_id, []), mutation.set('user', u, { ttlMs: 50 }));
      // A plain wait, no read: a read may drop the expired entry itself.
      await sleep(300);
      await rejects(() => call(b, 'getUser', u.id), EntryNotFound, 'getUser 300 ms after a replace without its member, then a set with ttlMs 50');
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
