/**
 * The tests every iterable resource gets: get/set/merge/delete/iterate/clear,
 * bigint ids, expiry and corrupt data.
 */
import { InvalidDataFound, mutation } from '@sake/abc';
import type { ResourceName } from '@sake/abc';
import { check, fail, rejects, same, show } from '../assert.js';
import { apply, call, drain, iterate, readOk } from '../calls.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { SPECS, clearName, deleteName, getName, iterName, keyArgs, keyOfEntity, keyString, scopeOf } from '../specs.js';
import type { Entity, IterableResource, ResourceSpec } from '../specs.js';
import { del, deleteOf, expectAbsent, expectIter, expectValue, get, label, mergeOf, put, setOf } from './ops.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** A resource the test can write to check that clearing `s` leaves it alone (never the member/user pair, which are joined). */
function otherResource<B extends ConformanceBackend>(h: Harness<B>, s: ResourceSpec): ResourceSpec | undefined {
  const joined: readonly ResourceName[] = ['member', 'user'];
  const order: readonly IterableResource[] = ['guild', 'role', 'channel', 'emoji', 'invite', 'message', 'voiceState', 'presence', 'user', 'member'];
  const pick = order.find((r) => r !== s.resource && h.has(r) && !(joined.includes(r) && joined.includes(s.resource)));
  return pick === undefined ? undefined : SPECS[pick];
}

/** Poll `probe` until it returns true or `timeoutMs` passes (a bounded wait, not a timing assertion). */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** Register the basic tests of `s`. */
export function basicTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  const { test } = ctx;
  const get_ = getName(s);
  const del_ = deleteName(s);
  const iter_ = iterName(s);
  const clear_ = clearName(s);

  test(`${get_} rejects with EntryNotFound for an absent entry`, async (h) => {
    const b = await h.open();
    await expectAbsent(b, s, s.build(h.parents()), 'on an empty store');
  });

  test(`set then ${get_} returns exactly the value that was set`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents());
    const other = s.build(h.parents());
    await put(b, s, value, other);
    await expectValue(b, s, value, 'after set');
    await expectValue(b, s, other, 'after set (second entry)');
  });

  test(`set replaces the whole ${s.resource} (fields missing from the new value are gone)`, async (h) => {
    const b = await h.open();
    const base = s.build(h.parents());
    await put(b, s, { ...base, ...s.patch, ...s.extra });
    await put(b, s, base);
    await expectValue(b, s, base, 'after a second set without the extra fields');
  });

  test(`merge shallow-merges a patch into an existing ${s.resource}`, async (h) => {
    const b = await h.open();
    const base = { ...s.build(h.parents()), ...s.extra };
    await put(b, s, base);
    await apply(b, mergeOf(s, base, s.patch));
    await expectValue(b, s, { ...base, ...s.patch }, 'after merge (patched fields replaced, others kept)');
  });

  test(`merge with upsert creates an absent ${s.resource}`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents());
    await apply(b, mergeOf(s, value, value as Readonly<Record<string, unknown>>, true));
    await expectValue(b, s, value, 'after merge with upsert on an absent entry');
    await expectIter(b, s, undefined, undefined, [value], 'after merge with upsert');
  });

  test(`merge without upsert leaves an absent ${s.resource} absent`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents());
    await apply(b, mergeOf(s, value, s.patch, false));
    await expectAbsent(b, s, value, 'after merge without upsert on an absent entry');
    await expectIter(b, s, undefined, undefined, [], 'after merge without upsert');
  });

  test(`${del_} removes the entry and only that entry`, async (h) => {
    const b = await h.open();
    const gone = s.build(h.parents());
    const kept = s.build(h.parents());
    await put(b, s, gone, kept);
    await del(b, s, gone);
    await expectAbsent(b, s, gone, `after ${del_}`);
    await expectValue(b, s, kept, `after ${del_} of another entry`);
    await expectIter(b, s, undefined, undefined, [kept], `after ${del_}`);
  });

  test(`a delete mutation removes the entry and only that entry`, async (h) => {
    const b = await h.open();
    const gone = s.build(h.parents());
    const kept = s.build(h.parents());
    await put(b, s, gone, kept);
    await apply(b, deleteOf(s, gone));
    await expectAbsent(b, s, gone, 'after a delete mutation');
    await expectValue(b, s, kept, 'after a delete mutation of another entry');
  });

  test(`${del_} and a delete mutation of an absent entry resolve`, async (h) => {
    const b = await h.open();
    const absent = s.build(h.parents());
    await del(b, s, absent);
    await apply(b, deleteOf(s, absent));
    await expectAbsent(b, s, absent, 'after deleting an absent entry');
  });

  test(`${iter_}: for await, toArray() and len() agree, and len() does not consume`, async (h) => {
    const b = await h.open();
    await expectIter(b, s, undefined, undefined, [], 'on an empty store');
    const values = [s.build(h.parents()), s.build(h.parents()), s.build(h.parents())];
    await put(b, s, ...values);
    await expectIter(b, s, undefined, undefined, values, 'after three sets');
    const it = iterate<Entity>(b, iter_);
    await it.len();
    await it.len();
    check((await drain(it)).length === 3, `${iter_}(): iterating after two len() calls must still yield every entry`);
  });

  test(`${iter_} reflects set, merge and delete`, async (h) => {
    const b = await h.open();
    const a = s.build(h.parents());
    const c = s.build(h.parents());
    await put(b, s, a, c);
    const merged = { ...a, ...s.patch };
    await apply(b, mergeOf(s, a, s.patch), deleteOf(s, c));
    await expectIter(b, s, undefined, undefined, [merged], 'after merging one entry and deleting the other');
  });

  test(`${clear_} empties ${s.plural} and leaves other resources alone`, async (h) => {
    const b = await h.open();
    const values = [s.build(h.parents()), s.build(h.parents())];
    await put(b, s, ...values);
    const other = otherResource(h, s);
    const otherValue = other?.build(h.parents());
    if (other && otherValue) await put(b, other, otherValue);
    await call(b, clear_);
    for (const v of values) await expectAbsent(b, s, v, `after ${clear_}`);
    await expectIter(b, s, undefined, undefined, [], `after ${clear_}`);
    if (other && otherValue) await expectValue(b, other, otherValue, `(another resource) after ${clear_}`);
    // The store must still take writes after a clear.
    await put(b, s, values[0] as Entity);
    await expectValue(b, s, values[0] as Entity, `set after ${clear_}`);
  });

  // Invite codes are not snowflakes: the id tests cover them.
  if (s.resource !== 'invite')
    test(`${get_} and ${del_} accept bigint ids and return canonical string ids`, async (h) => {
      const b = await h.open();
      const value = s.build(h.parents());
      await put(b, s, value);
      const args = keyArgs(keyOfEntity(s, value));
      const big = args.map((a) => BigInt(a));
      same(await readOk(`${get_}(${args.join(', ')} as bigint)`, () => call(b, get_, ...big)), value, `${get_}(${args.join(', ')} as bigint)`);
      await call(b, del_, ...big);
      await expectAbsent(b, s, value, `after ${del_} with bigint ids`);
    });

  if (s.ttl) {
    /** Set two entries, one with a 50 ms ttl, and wait until that one is no longer readable. */
    const expireOne = async (h: Harness<B>, b: B): Promise<{ shortLived: Entity; kept: Entity }> => {
      const shortLived = s.build(h.parents());
      const kept = s.build(h.parents());
      await apply(b, setOf(s, shortLived, { ttlMs: 50 }), setOf(s, kept));
      const gone = await eventually(
        async () => {
          try {
            await get(b, s, shortLived);
            return false;
          } catch {
            return true;
          }
        },
        Math.max(1_000, h.options.timeoutMs / 2),
      );
      if (!gone) fail(`${label(s, shortLived)} set with ttlMs 50 is still readable after the wait`);
      return { shortLived, kept };
    };

    test(`set with a short ttlMs expires the ${s.resource}`, async (h) => {
      const b = await h.open();
      const { shortLived, kept } = await expireOne(h, b);
      await expectAbsent(b, s, shortLived, 'after its ttl');
      const left = await iterate<Entity>(b, iter_).toArray();
      check(!left.some((v) => keyString(s, v) === keyString(s, shortLived)), `${iter_}() still yields ${label(s, shortLived)} after its ttl`);
      await expectValue(b, s, kept, 'set without ttl, next to an expired entry');
    });

    test(`len() does not count expired ${s.plural}, on ${iter_} and on every parent index`, async (h) => {
      const b = await h.open();
      const { shortLived, kept } = await expireOne(h, b);
      // expectIter asks len() first and checks it against toArray() and for await.
      await expectIter(b, s, undefined, undefined, [kept], 'after the ttl of another entry passed');
      for (const scope of ctx.options.refs ? s.scopes : []) {
        const id = scopeOf(s, scope, shortLived);
        if (id !== undefined) await expectIter(b, s, scope, id, [], `(the expired entry's ${scope}) after its ttl passed`);
      }
    });

    test(`set with a long ttlMs keeps the ${s.resource} readable`, async (h) => {
      const b = await h.open();
      const value = s.build(h.parents());
      await apply(b, setOf(s, value, { ttlMs: 600_000 }));
      await expectValue(b, s, value, 'right after a set with ttlMs 600000');
    });
  }

  if (ctx.options.corrupt) {
    const corrupt = ctx.options.corrupt;
    test(`corrupt bytes: ${get_} and iteration reject with InvalidDataFound`, async (h) => {
      const b = await h.open();
      const value = s.build(h.parents());
      await put(b, s, value);
      await corrupt(b, s.resource, keyOfEntity(s, value));
      const err = await rejects(() => get(b, s, value), InvalidDataFound, `${get_}(${keyString(s, value)}) of corrupt bytes`);
      check(
        typeof (err as InvalidDataFound).key === 'string' && (err as InvalidDataFound).key.length > 0,
        'InvalidDataFound must carry the key that holds the unreadable value',
      );
      const it = iterate<Entity>(b, iter_);
      await rejects(() => it.toArray(), InvalidDataFound, `${iter_}().toArray() over corrupt bytes`);
      for (const scope of ctx.options.refs ? s.scopes : []) {
        const id = scopeOf(s, scope, value);
        if (id === undefined) continue;
        const scoped = iterate<Entity>(b, iterName(s, scope), id);
        await rejects(() => drain(scoped), InvalidDataFound, `for await ${iterName(s, scope)}(${id}) over corrupt bytes`);
      }
    });
  }

  test(`a set of a ${s.resource} missing its key fields is rejected with TypeError`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents()) as unknown as Record<string, unknown>;
    const broken: Record<string, unknown> = { ...value };
    // Drop the first key field the entity has (id, code or guild_id).
    const field = ['id', 'code', 'guild_id'].find((f) => f in broken);
    if (field === undefined) fail(`no key field found in ${show(value)}`);
    delete broken[field];
    await rejects(() => apply(b, mutation.set(s.resource, broken as never)), TypeError, `apply([set ${s.resource} without its key])`);
  });
}
