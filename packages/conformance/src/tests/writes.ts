/**
 * The write mutations beyond set/merge/delete: merge-upsert with `ttlMs` /
 * `channelLimit`, `react`, `removeRole`; and the groups of the other files
 * (the capabilities, the channel cascade). Registered inside the writer
 * group, each part only when the backend implements the resources it needs.
 *
 * Expected reaction counts are spelled out here rather than computed with
 * `applyReactionChange`, so a backend that counts elsewhere (a Lua script)
 * is checked against the rules, not against the same code.
 */
import { mutation } from '@sake/abc';
import type { ReactionEmoji } from '@sake/abc';
import { fail } from '../assert.js';
import { apply } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS } from '../specs.js';
import type { Entity, IterableResource, ResourceSpec } from '../specs.js';
import { eventually } from './basics.js';
import { oldValueTests, orderedBatchTests } from './capabilities.js';
import { THUMBS, newMessage, react, reaction } from './messages.js';
import { channelCascadeTests } from './cascade.js';
import { expectAbsent, expectIter, expectValue, get, label, put, setOf } from './ops.js';

const messages = SPECS.message;
const members = SPECS.member;

/** Wait (bounded) until `value` is gone; fail with `what` if it stays. */
async function expectExpires<B extends ConformanceBackend>(h: Harness<B>, b: B, s: ResourceSpec, value: Entity, what: string): Promise<void> {
  const gone = await eventually(
    async () => {
      try {
        await get(b, s, value);
        return false;
      } catch {
        return true;
      }
    },
    Math.max(2_000, h.options.timeoutMs / 2),
  );
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
  if (has('channel') && (has('message') || has('invite') || has('voiceState'))) ctx.group('channel cascade', () => channelCascadeTests(ctx));
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
    await expectValue(
      b,
      messages,
      { ...m, reactions: [reaction(THUMBS, { normal: 1, burst: 1, meBurst: true })] },
      'after removing a normal 👍 (me) and the only sake',
    );
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
    await apply(
      b,
      react(absent.id, { op: 'add', emoji: THUMBS, burst: false, me: true }),
      react(cached.id, { op: 'add', emoji: THUMBS, burst: false, me: true }),
    );
    await expectAbsent(b, messages, absent, 'after a react add on a message that was not cached');
    await expectValue(b, messages, { ...cached, reactions: [reaction(THUMBS, { normal: 1, me: true })] }, 'after a react add');
    if (ctx.options.refs) await expectIter(b, messages, 'channel', absent.channel_id, [], "of the absent message's channel after a react");
  });

  test("react keeps the message's expiry", async (h) => {
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

  test("removeRole takes the role out of the guild's members that have it, and nothing else", async (h) => {
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
