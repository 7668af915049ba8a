/**
 * The write mutations beyond set/merge/delete: merge-upsert with `ttlMs` /
 * `channelLimit`, `react`, `removeRole`, the old values `apply` reports
 * when asked (`ApplyOptions.old`), and batches ordered after an earlier write
 * (`ApplyOptions.after`). Registered inside the writer group, each
 * part only when the backend implements the resources it needs.
 *
 * Expected reaction counts are spelled out here rather than computed with
 * `applyReactionChange`, so a backend that counts elsewhere (a Lua script)
 * is checked against the rules, not against the same code.
 */
import { mutation } from '@sake/abc';
import type { APIReaction } from 'discord-api-types/v10';
import type { MemberEntity, MessageEntity, Mutation, ReactionChange, ReactionEmoji, Snowflake, UserEntity } from '@sake/abc';
import { check, fail, same, show } from '../assert.js';
import { apply, applyReporting, call } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS, keyString } from '../specs.js';
import type { Entity, IterableResource, ResourceSpec } from '../specs.js';
import { eventually } from './basics.js';
import { deleteOf, expectAbsent, expectIter, expectValue, get, label, mergeOf, put, setOf } from './ops.js';

const messages = SPECS.message;
const members = SPECS.member;

/** A message in a fresh channel of a fresh guild. */
function newMessage<B extends ConformanceBackend>(h: Harness<B>, overrides: Partial<MessageEntity> = {}): MessageEntity {
  return fx.message(h.id(), h.id(), fx.user(h.id()), h.id(), overrides);
}

/** Wait (bounded) until `value` is gone; fail with `what` if it stays. */
async function expectExpires<B extends ConformanceBackend>(h: Harness<B>, b: B, s: ResourceSpec, value: Entity, what: string): Promise<void> {
  const gone = await eventually(async () => {
    try {
      await get(b, s, value);
      return false;
    } catch {
      return true;
    }
  }, Math.max(2_000, h.options.timeoutMs / 2));
  if (!gone) fail(`${label(s, value)} ${what}: still readable after the wait`);
  await expectAbsent(b, s, value, what);
}

/** Register every test of this file that the backend's resources allow. */
export function writeContractTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const has = (r: IterableResource): boolean => ctx.options.resources.has(r);
  if (has('message')) {
    ctx.group('merge upsert options', () => mergeUpsertTests(ctx));
    ctx.group('react', () => reactTests(ctx));
  }
  if (has('member')) ctx.group('removeRole', () => removeRoleTests(ctx));
  ctx.group('old values', () => oldValueTests(ctx));
  ctx.group('ordered batches (after)', () => orderedBatchTests(ctx));
}

// ----- merge with upsert: ttlMs and channelLimit ---------------------------------------------

function mergeUpsertTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;

  test('merge with upsert and channelLimit creates the message and evicts the oldest of its channel', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const channelId = h.id();
    const author = fx.user(h.id());
    const older = [h.id(), h.id(), h.id()].map((id) => fx.message(id, channelId, author, guildId));
    await put(b, messages, ...older);
    const created = fx.message(h.id(), channelId, author, guildId);
    await apply(b, mutation.merge('message', { messageId: created.id }, created, true, { channelLimit: 3 }));
    await expectValue(b, messages, created, 'created by a merge with upsert');
    await expectAbsent(b, messages, older[0]!, 'the oldest message after an upsert with channelLimit 3 made it the 4th');
    for (const m of older.slice(1)) await expectValue(b, messages, m, 'one of the newest 3 after an upsert with channelLimit 3');
    if (ctx.options.refs) await expectIter(b, messages, 'channel', channelId, [...older.slice(1), created], 'after an upsert with channelLimit 3');
  });

  test('channelLimit on a merge into an existing message evicts nothing (it applies only when the merge creates)', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const channelId = h.id();
    const author = fx.user(h.id());
    const all = [h.id(), h.id(), h.id()].map((id) => fx.message(id, channelId, author, guildId));
    await put(b, messages, ...all);
    const last = all[2]!;
    await apply(b, mutation.merge('message', { messageId: last.id }, { content: 'edited' }, true, { channelLimit: 1 }));
    await expectValue(b, messages, { ...last, content: 'edited' }, 'merged with upsert and channelLimit 1');
    for (const m of all.slice(0, 2)) await expectValue(b, messages, m, 'an older message after a merge (no create) with channelLimit 1');
  });

  test('merge with upsert and ttlMs creates a message that expires', async (h) => {
    const b = await h.open();
    const shortLived = newMessage(h);
    const longLived = newMessage(h);
    await apply(
      b,
      mutation.merge('message', { messageId: shortLived.id }, shortLived, true, { ttlMs: 50 }),
      mutation.merge('message', { messageId: longLived.id }, longLived, true, { ttlMs: 600_000 }),
    );
    await expectValue(b, messages, longLived, 'created by a merge with upsert and ttlMs 600000');
    await expectExpires(h, b, messages, shortLived, 'created by a merge with upsert and ttlMs 50');
    await expectValue(b, messages, longLived, 'created with ttlMs 600000, next to an expired one');
  });

  test('a merge into an existing message keeps its expiry (its ttlMs is ignored)', async (h) => {
    const b = await h.open();
    const m = newMessage(h);
    await apply(b, setOf(messages, m, { ttlMs: 400 }));
    // Neither the merge itself nor its ttlMs (used only when creating) may extend the 400 ms.
    await apply(b, mutation.merge('message', { messageId: m.id }, { content: 'edited' }, true, { ttlMs: 600_000 }));
    await expectValue(b, messages, { ...m, content: 'edited' }, 'right after a merge into a message set with ttlMs 400');
    await expectExpires(h, b, messages, m, 'set with ttlMs 400, then merged');
  });
}

// ----- react -----------------------------------------------------------------------------------

const THUMBS: ReactionEmoji = { id: null, name: '👍' };

/** The reaction a message shows, as the rules of {@link ReactionChange} count it. */
function reaction(
  emoji: ReactionEmoji,
  counts: { normal?: number; burst?: number; me?: boolean; meBurst?: boolean; colors?: string[] },
): APIReaction {
  const normal = counts.normal ?? 0;
  const burst = counts.burst ?? 0;
  return {
    count: normal + burst,
    count_details: { burst, normal },
    me: counts.me ?? false,
    me_burst: counts.meBurst ?? false,
    emoji: { ...emoji } as APIReaction['emoji'],
    burst_colors: counts.colors ?? [],
  };
}

function react(messageId: Snowflake, change: ReactionChange): Mutation {
  return mutation.react(messageId, change);
}

function reactTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const custom = (h: Harness<B>): ReactionEmoji => ({ id: h.id(), name: 'sake', animated: false });

  test('react add counts normal and burst reactions per emoji, with the me flags, in first-added order', async (h) => {
    const b = await h.open();
    const m = newMessage(h);
    const sake = custom(h);
    await put(b, messages, m);
    await apply(
      b,
      react(m.id, { op: 'add', emoji: THUMBS, burst: false, me: false }),
      react(m.id, { op: 'add', emoji: sake, burst: false, me: false }),
      react(m.id, { op: 'add', emoji: THUMBS, burst: false, me: true }),
      react(m.id, { op: 'add', emoji: THUMBS, burst: true, me: true, burstColors: ['#ff0000'] }),
      // The same custom emoji under another name is the same reaction (custom emojis match by id).
      react(m.id, { op: 'add', emoji: { ...sake, name: 'renamed' }, burst: true, me: false }),
    );
    await expectValue(
      b,
      messages,
      { ...m, reactions: [reaction(THUMBS, { normal: 2, burst: 1, me: true, meBurst: true, colors: ['#ff0000'] }), reaction(sake, { normal: 1, burst: 1 })] },
      'after five react adds',
    );
  });

  test('react remove decrements, clears the me flag it names, and drops a reaction whose count reaches 0', async (h) => {
    const b = await h.open();
    const sake = custom(h);
    const m = newMessage(h, { reactions: [reaction(THUMBS, { normal: 2, burst: 1, me: true, meBurst: true }), reaction(sake, { normal: 1 })] });
    await put(b, messages, m);
    await apply(
      b,
      react(m.id, { op: 'remove', emoji: THUMBS, burst: false, me: true }),
      react(m.id, { op: 'remove', emoji: sake, burst: false, me: false }),
      react(m.id, { op: 'remove', emoji: { id: null, name: '🔥' }, burst: false, me: false }), // not there: nothing changes
    );
    await expectValue(b, messages, { ...m, reactions: [reaction(THUMBS, { normal: 1, burst: 1, meBurst: true })] }, 'after removing a normal 👍 (me) and the only sake');
    await apply(b, react(m.id, { op: 'remove', emoji: THUMBS, burst: true, me: true }));
    await expectValue(b, messages, { ...m, reactions: [reaction(THUMBS, { normal: 1 })] }, 'after removing the burst 👍 (me)');
    await apply(b, react(m.id, { op: 'remove', emoji: THUMBS, burst: false, me: false }));
    await expectValue(b, messages, { ...m, reactions: [] }, 'after removing the last 👍');
  });

  test('react removeEmoji drops one emoji (custom ones by id) and removeAll drops every reaction', async (h) => {
    const b = await h.open();
    const sake = custom(h);
    const m = newMessage(h, { reactions: [reaction(THUMBS, { normal: 3 }), reaction(sake, { normal: 1, burst: 2 })] });
    const other = newMessage(h, { reactions: [reaction(THUMBS, { normal: 1, me: true }), reaction(sake, { normal: 1 })] });
    await put(b, messages, m, other);
    await apply(b, react(m.id, { op: 'removeEmoji', emoji: { id: sake.id, name: null } }));
    await expectValue(b, messages, { ...m, reactions: [reaction(THUMBS, { normal: 3 })] }, 'after removeEmoji of the custom emoji');
    await apply(b, react(m.id, { op: 'removeEmoji', emoji: THUMBS }));
    await expectValue(b, messages, { ...m, reactions: [] }, 'after removeEmoji 👍');
    await apply(b, react(other.id, { op: 'removeAll' }));
    await expectValue(b, messages, { ...other, reactions: [] }, 'after removeAll');
  });

  test('react on an absent message leaves it absent (and still changes a cached one in the same batch)', async (h) => {
    const b = await h.open();
    const cached = newMessage(h);
    const absent = newMessage(h);
    await put(b, messages, cached);
    await apply(b, react(absent.id, { op: 'add', emoji: THUMBS, burst: false, me: true }), react(cached.id, { op: 'add', emoji: THUMBS, burst: false, me: true }));
    await expectAbsent(b, messages, absent, 'after a react add on a message that was not cached');
    await expectValue(b, messages, { ...cached, reactions: [reaction(THUMBS, { normal: 1, me: true })] }, 'after a react add');
    if (ctx.options.refs) await expectIter(b, messages, 'channel', absent.channel_id, [], 'of the absent message\'s channel after a react');
  });

  test('react keeps the message\'s expiry', async (h) => {
    const b = await h.open();
    const m = newMessage(h);
    await apply(b, setOf(messages, m, { ttlMs: 400 }));
    await apply(b, react(m.id, { op: 'add', emoji: THUMBS, burst: false, me: false }));
    await expectValue(b, messages, { ...m, reactions: [reaction(THUMBS, { normal: 1 })] }, 'right after a react add on a message set with ttlMs 400');
    await expectExpires(h, b, messages, m, 'set with ttlMs 400, then reacted to');
  });
}

// ----- removeRole ------------------------------------------------------------------------------

function removeRoleTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const withUsers = ctx.options.resources.has('user');

  test('removeRole takes the role out of the guild\'s members that have it, and nothing else', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const otherGuild = h.id();
    const [role, kept1, kept2] = [h.id(), h.id(), h.id()];
    const u1 = fx.user(h.id());
    const both = fx.member(guildId, u1, { roles: [kept1, role, kept2] });
    const only = fx.member(guildId, fx.user(h.id()), { roles: [role] });
    const without = fx.member(guildId, fx.user(h.id()), { roles: [kept1] });
    // Role ids are global, but the mutation names one guild: the same ids elsewhere stay.
    const sameUserElsewhere = fx.member(otherGuild, u1, { roles: [role] });
    const elsewhere = fx.member(otherGuild, fx.user(h.id()), { roles: [role, kept1] });
    await put(b, members, both, only, without, sameUserElsewhere, elsewhere);
    await apply(b, mutation.removeRole(guildId, role));
    await expectValue(b, members, { ...both, roles: [kept1, kept2] }, 'after removeRole (other roles kept, in order)');
    await expectValue(b, members, { ...only, roles: [] }, 'after removeRole of its only role');
    await expectValue(b, members, without, 'a member without the role, after removeRole');
    await expectValue(b, members, sameUserElsewhere, 'the same user in another guild, after removeRole');
    await expectValue(b, members, elsewhere, 'a member of another guild, after removeRole');
    if (ctx.options.refs) {
      await expectIter(b, members, 'guild', guildId, [{ ...both, roles: [kept1, kept2] }, { ...only, roles: [] }, without], 'after removeRole');
    }
  });

  if (withUsers) {
    test('members stripped of a role are still joined with their current user', async (h) => {
      const b = await h.open();
      const guildId = h.id();
      const role = h.id();
      const u = fx.user(h.id());
      const m = fx.member(guildId, u, { roles: [role] });
      await put(b, members, m);
      const renamed = { ...u, username: 'renamed', global_name: 'Renamed' };
      await apply(b, setOf(SPECS.user, renamed), mutation.removeRole(guildId, role));
      await expectValue(b, members, { ...m, user: renamed, roles: [] }, 'after [set user, removeRole]');
      const later = { ...renamed, username: 'later' };
      await put(b, SPECS.user, later);
      await expectValue(b, members, { ...m, user: later, roles: [] }, 'after removeRole, then a user set (the member must not hold a stale copy)');
    });
  }

  test('removeRole applies in batch order', async (h) => {
    const b = await h.open();
    const guildId = h.id();
    const role = h.id();
    const before = fx.member(guildId, fx.user(h.id()), { roles: [role] });
    const after = fx.member(guildId, fx.user(h.id()), { roles: [role] });
    await apply(b, setOf(members, before), mutation.removeRole(guildId, role), setOf(members, after));
    await expectValue(b, members, { ...before, roles: [] }, 'set before removeRole in one batch');
    await expectValue(b, members, after, 'set after removeRole in one batch');
  });
}

// ----- old values ------------------------------------------------------------------------------

/** Assert each reported old value: the expected entity, or `undefined` for an absent one. */
function expectOld(actual: readonly unknown[], expected: readonly (Entity | undefined)[], what: string): void {
  expected.forEach((value, i) => {
    const where = `${what}: old[${i}]`;
    if (value === undefined) check(actual[i] === undefined, `${where} must be undefined (the entry was absent), got ${show(actual[i])}`);
    else same(actual[i], value, where);
  });
}

/** A capability a backend declares with a `true` flag, and the suite option that has its tests checked. */
type Capability = 'reportsOld' | 'honoursAfter';

/**
 * The gate of a capability's tests: without the suite option, one test that the backend does not
 * declare the capability (so it can't go untested by omission) and `undefined`; with it, the
 * opener the tests use, which checks the declaration.
 */
function capability<B extends ConformanceBackend>(ctx: GroupContext<B>, flag: Capability, checks: string): ((h: Harness<B>) => Promise<B>) | undefined {
  const declared = (b: B): unknown => (b as Partial<Record<Capability, unknown>>)[flag];
  if (!ctx.options[flag]) {
    ctx.test(`not checked: options.${flag} is not set, so the backend must not declare ${flag} either`, async (h) => {
      const b = await h.open();
      check(declared(b) !== true, `the backend declares ${flag}: true but the suite was not told: pass { ${flag}: true } so ${checks}`);
    });
    return undefined;
  }
  return async (h) => {
    const b = await h.open();
    check(declared(b) === true, `options.${flag} is set but the backend's ${flag} is ${show(declared(b))}`);
    return b;
  };
}

/** The first iterable resource the backend implements (the capability tests need one). */
function firstIterable<B extends ConformanceBackend>(h: Harness<B>, tests: string): ResourceSpec {
  const r = (Object.keys(SPECS) as IterableResource[]).find((x) => h.has(x));
  if (r === undefined) fail(`the ${tests} tests need one iterable resource`);
  return SPECS[r];
}

function oldValueTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const open = capability(ctx, 'reportsOld', 'its old values are checked');
  if (!open) return;
  const pick = (h: Harness<B>): ResourceSpec => firstIterable(h, 'old-value');

  test('set, merge and delete report the entry as it was just before them, in the order asked', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const base = s.build(h.parents());
    const [first] = await applyReporting(b, [setOf(s, base)], [0]);
    expectOld([first], [undefined], 'a set of an absent entry');
    const full = { ...base, ...s.extra };
    const merged = { ...full, ...s.patch };
    const batch = [setOf(s, full), mergeOf(s, full, s.patch), deleteOf(s, full), mergeOf(s, full, s.patch, false), setOf(s, base)];
    // Not in batch order: the result follows the order of `old`.
    const old = await applyReporting(b, batch, [4, 0, 2, 1, 3]);
    expectOld(old, [undefined, base, merged, full, undefined], `[set, merge, delete, merge (absent), set] of ${label(s, base)}`);
    await expectValue(b, s, base, 'after the batch that reported old values');
  });

  test('a merge after a set of the same key in one batch reports the set\'s value', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const value = s.build(h.parents());
    const other = s.build(h.parents());
    const old = await applyReporting(b, [setOf(s, value), setOf(s, other), mergeOf(s, value, s.patch)], [2, 0]);
    expectOld(old, [value, undefined], `[set, set (another key), merge] of ${label(s, value)} on an empty store`);
    await expectValue(b, s, { ...value, ...s.patch }, 'after [set, merge] in one batch');
  });

  if (ctx.options.resources.has('message')) {
    test('react reports the message as it was before each reaction change; an absent one as undefined', async (h) => {
      const b = await open(h);
      const m = newMessage(h);
      const absent = newMessage(h);
      await put(b, messages, m);
      const add: ReactionChange = { op: 'add', emoji: THUMBS, burst: false, me: false };
      const old = await applyReporting(b, [react(m.id, add), react(absent.id, add), react(m.id, add)], [0, 1, 2]);
      expectOld(old, [m, undefined, { ...m, reactions: [reaction(THUMBS, { normal: 1 })] }], `[react, react (absent message), react] on ${label(messages, m)}`);
      await expectValue(b, messages, { ...m, reactions: [reaction(THUMBS, { normal: 2 })] }, 'after two reported react adds');
    });
  }

  if (ctx.options.resources.has('member')) {
    test('a member\'s old value is joined with its user, as getMember returns it', async (h) => {
      const b = await open(h);
      const guildId = h.id();
      const u = fx.user(h.id());
      const m = fx.member(guildId, u, { roles: [h.id()] });
      await put(b, members, m);
      const key = { guildId, userId: u.id };
      const renamed: UserEntity = { ...u, username: 'renamed', global_name: 'Renamed' };
      const withUsers = ctx.options.resources.has('user');
      // The user set goes through the member when the backend has no user resource of its own.
      const renaming = withUsers ? setOf(SPECS.user, renamed) : setOf(members, { ...m, user: renamed });
      const nicked: MemberEntity = { ...m, user: renamed, nick: 'nicked' };
      const old = await applyReporting(
        b,
        [renaming, mutation.merge('member', key, { nick: 'nicked' }), setOf(members, { ...nicked, roles: [] }), mutation.delete('member', key)],
        [1, 2, 3],
      );
      expectOld(old, [{ ...m, user: renamed }, nicked, { ...nicked, roles: [] }], `[rename user, merge, set, delete] of member ${keyString(members, m)}`);
      await expectAbsent(b, members, m, 'after the reported delete');
      // The user is not rewritten by a member merge: an old value sharing it with the store would let the caller change the cache.
      await put(b, members, m);
      const [kept] = await applyReporting(b, [mutation.merge('member', key, { nick: 'again' })], [0]);
      expectOld([kept], [m], `a merge of member ${keyString(members, m)}`);
      (kept as MemberEntity).user.username = 'changed by the caller';
      await expectValue(b, members, { ...m, nick: 'again' }, 'after the caller changed the user of an old value');
    });
  }
}

// ----- ordered batches: ApplyOptions.after ---------------------------------------------------

/** A promise settled from outside. */
function gate(): { promise: Promise<void>; open(): void; fail(reason: Error): void } {
  let open!: () => void;
  let failWith!: (reason: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    failWith = reject;
  });
  // Rejected on purpose in some tests: the backend under test observes it.
  promise.catch(() => {});
  return { promise, open, fail: failWith };
}

/** Let the backend run whatever it would run on its own for a while. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function orderedBatchTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
  const { test } = ctx;
  const open = capability(ctx, 'honoursAfter', 'its ordering is checked');
  if (!open) return;
  const pick = (h: Harness<B>): ResourceSpec => firstIterable(h, 'ordering');

  test('a batch ordered after a pending write changes nothing until it settles, then applies', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const value = s.build(h.parents());
    const g = gate();
    const writing = call(b, 'apply', [setOf(s, value)], { after: g.promise });
    await pause(30);
    await expectAbsent(b, s, value, 'while the write it is ordered after is pending');
    g.open();
    await writing;
    await expectValue(b, s, value, 'once the write it was ordered after resolved');
  });

  test('a batch ordered after a write that fails changes nothing and rejects with its reason', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const value = s.build(h.parents());
    const g = gate();
    const writing = call(b, 'apply', [setOf(s, value)], { after: g.promise });
    const reason = new Error('the earlier write failed (test)');
    g.fail(reason);
    let caught: unknown;
    await writing.catch((error: unknown) => {
      caught = error;
    });
    check(caught === reason, `apply must reject with the reason of the write it was ordered after, got ${show(caught)}`);
    await pause(10);
    await expectAbsent(b, s, value, 'after the write it was ordered after failed');
  });

  test('a malformed batch and a non-promise after reject with TypeError without waiting', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const never = new Promise<void>(() => {});
    const malformed = [{ type: 'bogus', resource: s.resource } as unknown as Mutation];
    const early = await Promise.race([call(b, 'apply', malformed, { after: never }).then(() => 'resolved', (e: unknown) => e), pause(2_000).then(() => 'still waiting')]);
    check(early instanceof TypeError, `apply([malformed], { after: pending }) must reject with TypeError at once, got ${show(early)}`);
    const notPromise = await call(b, 'apply', [setOf(s, s.build(h.parents()))], { after: 42 }).then(() => 'resolved', (e: unknown) => e);
    check(notPromise instanceof TypeError, `apply(batch, { after: 42 }) must reject with TypeError, got ${show(notPromise)}`);
  });

  test('batches handed over in a row take effect in call order, each seeing the ones before it', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const base = s.build(h.parents());
    const full = { ...base, ...s.extra };
    // Each batch is handed over before the previous one resolved, ordered after it.
    const first = call(b, 'apply', [setOf(s, base)]);
    const second = call(b, 'apply', [mergeOf(s, base, s.extra)], { after: first });
    const third = call<unknown>(b, 'apply', [deleteOf(s, base)], { old: [0], after: second });
    const fourth = call(b, 'apply', [mergeOf(s, base, s.patch, false)], { after: third });
    const fifth = call(b, 'apply', [setOf(s, base)], { after: fourth });
    const results = await Promise.all([first, second, third, fourth, fifth]);
    const old = (results[2] as { old?: unknown[] } | undefined)?.old;
    if (ctx.options.reportsOld) same(old?.[0], full, 'the old value of a delete ordered after a merge');
    // The merge after the delete found nothing to merge into, and the last set wrote the base again.
    await expectValue(b, s, base, 'after [set, merge, delete, merge (absent), set] handed over in a row');
  });
}
