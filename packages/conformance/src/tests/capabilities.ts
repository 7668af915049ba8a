/**
 * The write contract's optional capabilities: the old values `apply` reports
 * when asked (`ApplyOptions.old`, `reportsOld`), and batches ordered after an
 * earlier write (`ApplyOptions.after`, `honoursAfter`). Without the suite's
 * option, one test checks that the backend does not declare the capability.
 */
import { mutation } from '@sake/abc';
import type { MemberEntity, Mutation, ReactionChange, UserEntity } from '@sake/abc';
import { check, fail, same, show } from '../assert.js';
import { applyReporting, call } from '../calls.js';
import * as fx from '../fixtures.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS, keyString } from '../specs.js';
import type { Entity, IterableResource, ResourceSpec } from '../specs.js';
import { THUMBS, newMessage, react, reaction } from './messages.js';
import { deleteOf, expectAbsent, expectValue, label, mergeOf, put, setOf } from './ops.js';
import { setTimeout as sleep } from 'node:timers/promises';

const messages = SPECS.message;
const members = SPECS.member;

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

/** The old values `apply` reports (`reportsOld`). */
export function oldValueTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
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

  test("a merge after a set of the same key in one batch reports the set's value", async (h) => {
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
    test("a member's old value is joined with its user, as getMember returns it", async (h) => {
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

/** Batches ordered after an earlier write (`honoursAfter`). */
export function orderedBatchTests<B extends ConformanceBackend>(ctx: GroupContext<B>): void {
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
    await sleep(30);
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
    await sleep(10);
    await expectAbsent(b, s, value, 'after the write it was ordered after failed');
  });

  test('a malformed batch and a non-promise after reject with TypeError without waiting', async (h) => {
    const b = await open(h);
    const s = pick(h);
    const never = new Promise<void>(() => {});
    const malformed = [{ type: 'bogus', resource: s.resource } as unknown as Mutation];
    const early = await Promise.race([
      call(b, 'apply', malformed, { after: never }).then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      sleep(2_000).then(() => 'still waiting'),
    ]);
    check(early instanceof TypeError, `apply([malformed], { after: pending }) must reject with TypeError at once, got ${show(early)}`);
    const notPromise = await call(b, 'apply', [setOf(s, s.build(h.parents()))], { after: 42 }).then(
      () => 'resolved',
      (e: unknown) => e,
    );
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
