/**
 * The parent-index tests (`iter…For` / `clear…For`) and `replaceForGuild`:
 * every index must stay right after set, merge, delete, replaceForGuild,
 * clearFor and clear, and scoped clears must leave other parents alone.
 */
import { mutation } from '@sake/abc';
import type { Snowflake } from '@sake/abc';
import { check, same } from '../assert.js';
import { apply, call, iterate } from '../calls.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { clearName, isKeyScope, iterName, keyArgs, keyOfEntity, keyString, parentField, scopeField, scopeOf } from '../specs.js';
import type { Entity, Parents, ResourceSpec, Scope } from '../specs.js';
import { expectAbsent, expectIter, expectValue, mergeOf, put } from './ops.js';

/**
 * Two parents for `scope`: A with two entries, B with one. Every other id of
 * each entry is fresh, so only the tested parent is shared.
 */
function layout<B extends ConformanceBackend>(h: Harness<B>, s: ResourceSpec, scope: Scope) {
  const field = parentField(scope);
  const parentA = h.id();
  const parentB = h.id();
  const under = (parent: Snowflake): Entity => s.build(h.parents({ [field]: parent }));
  const a1 = under(parentA);
  const a2 = under(parentA);
  const b1 = under(parentB);
  return { field, parentA, parentB, a1, a2, b1, under };
}

/** Register the index tests of every scope of `s`, and its replaceForGuild test. */
export function scopeTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  const { test } = ctx;
  const refs = ctx.options.refs;

  if (refs) {
    for (const scope of s.scopes) {
      const iter_ = iterName(s, scope);
      const clear_ = clearName(s, scope);

      test(`${iter_} yields exactly that parent's entries; for await, toArray() and len() agree`, async (h) => {
        const b = await h.open();
        const { parentA, parentB, a1, a2, b1 } = layout(h, s, scope);
        await put(b, s, a1, a2, b1);
        await expectIter(b, s, scope, parentA, [a1, a2], 'for the parent with two entries');
        await expectIter(b, s, scope, parentB, [b1], 'for the parent with one entry');
        await expectIter(b, s, scope, h.id(), [], 'for a parent with no entries');
      });

      test(`${iter_} accepts a bigint id`, async (h) => {
        const b = await h.open();
        const { parentA, a1 } = layout(h, s, scope);
        await put(b, s, a1);
        const got = await iterate<Entity>(b, iter_, BigInt(parentA)).toArray();
        same(got, [a1], `${iter_}(${parentA}n)`);
      });

      test(`${clear_} removes that parent's entries and leaves other parents alone`, async (h) => {
        const b = await h.open();
        const { parentA, parentB, a1, a2, b1 } = layout(h, s, scope);
        await put(b, s, a1, a2, b1);
        await call(b, clear_, parentA);
        await expectAbsent(b, s, a1, `after ${clear_}(${parentA})`);
        await expectAbsent(b, s, a2, `after ${clear_}(${parentA})`);
        await expectValue(b, s, b1, `(another parent) after ${clear_}(${parentA})`);
        await expectIter(b, s, scope, parentA, [], `after ${clear_}(${parentA})`);
        await expectIter(b, s, scope, parentB, [b1], `after ${clear_}(${parentA})`);
        await expectIter(b, s, undefined, undefined, [b1], `after ${clear_}(${parentA})`);
        await call(b, clear_, BigInt(parentB));
        await expectIter(b, s, scope, parentB, [], `after ${clear_}(${parentB}n)`);
      });

      test(`a clearFor(${s.resource}, ${scope}) mutation removes that parent's entries only`, async (h) => {
        const b = await h.open();
        const { parentA, parentB, a1, a2, b1 } = layout(h, s, scope);
        await put(b, s, a1, a2, b1);
        await apply(b, mutation.clearFor(s.resource as never, scope as never, parentA));
        await expectAbsent(b, s, a1, 'after clearFor');
        await expectAbsent(b, s, a2, 'after clearFor');
        await expectValue(b, s, b1, '(another parent) after clearFor');
        await expectIter(b, s, scope, parentA, [], 'after clearFor');
        await expectIter(b, s, scope, parentB, [b1], 'after clearFor');
      });

      test(`${iter_} follows delete`, async (h) => {
        const b = await h.open();
        const { parentA, a1, a2 } = layout(h, s, scope);
        await put(b, s, a1, a2);
        await call(b, `delete${s.singular}`, ...keyArgs(keyOfEntity(s, a1)));
        await expectIter(b, s, scope, parentA, [a2], 'after deleting one of its entries');
      });

      test(`${iter_} follows set: re-setting an entry neither duplicates nor loses it`, async (h) => {
        const b = await h.open();
        const { parentA, a1, a2 } = layout(h, s, scope);
        await put(b, s, a1, a2);
        const again = { ...a1, ...s.patch };
        await put(b, s, again, again);
        await expectIter(b, s, scope, parentA, [again, a2], 'after setting an entry twice more');
      });

      test(`${iter_} follows merge (yields the merged value)`, async (h) => {
        const b = await h.open();
        const { parentA, a1, a2 } = layout(h, s, scope);
        await put(b, s, a1, a2);
        await apply(b, mergeOf(s, a1, s.patch));
        await expectIter(b, s, scope, parentA, [{ ...a1, ...s.patch }, a2], 'after merging one of its entries');
      });

      test(`${iter_} follows merge with upsert (a created entry is indexed)`, async (h) => {
        const b = await h.open();
        const { parentA, a1 } = layout(h, s, scope);
        await apply(b, mergeOf(s, a1, a1 as Readonly<Record<string, unknown>>, true));
        await expectIter(b, s, scope, parentA, [a1], 'after merge with upsert');
      });

      if (!isKeyScope(s, scope)) {
        test(`${iter_} follows set moving an entry to another parent`, async (h) => {
          const b = await h.open();
          const { field, parentA, parentB, a1, a2, b1 } = layout(h, s, scope);
          await put(b, s, a1, a2, b1);
          const moved = rebuildUnder(s, a1, field, parentB);
          await put(b, s, moved);
          await expectIter(b, s, scope, parentA, [a2], `after moving ${keyString(s, a1)} away`);
          await expectIter(b, s, scope, parentB, [b1, moved], `after moving ${keyString(s, a1)} in`);
          await expectValue(b, s, moved, 'after moving it');
        });

        const flat = scopeField(s, scope);
        if (flat) {
          test(`${iter_} follows merge changing ${flat}`, async (h) => {
            const b = await h.open();
            const { parentA, parentB, a1, a2, b1 } = layout(h, s, scope);
            await put(b, s, a1, a2, b1);
            await apply(b, mergeOf(s, a1, { [flat]: parentB }));
            const moved = { ...a1, [flat]: parentB };
            await expectIter(b, s, scope, parentA, [a2], `after merging ${flat} of ${keyString(s, a1)} away`);
            await expectIter(b, s, scope, parentB, [b1, moved], `after merging ${flat} of ${keyString(s, a1)} in`);
          });
        }
      }
    }

    if (s.scopes.length > 0) {
      test(`clear${s.plural} empties every ${s.resource} index`, async (h) => {
        const b = await h.open();
        const values = [s.build(h.parents()), s.build(h.parents())];
        await put(b, s, ...values);
        await call(b, clearName(s));
        for (const scope of s.scopes) {
          for (const v of values) {
            const id = scopeOf(s, scope, v);
            check(id !== undefined, `fixture ${keyString(s, v)} has no ${scope} id`);
            await expectIter(b, s, scope, id, [], `after clear${s.plural}`);
          }
        }
      });
    }
  }

  if (s.guildChild) {
    test(`replaceForGuild(${s.resource}) replaces that guild's entries and leaves other guilds alone`, async (h) => {
      const b = await h.open();
      const g1 = h.id();
      const g2 = h.id();
      const inG = (guildId: Snowflake): Entity => s.build(h.parents({ guildId }));
      const stale = inG(g1);
      const kept = inG(g1);
      const other = inG(g2);
      await put(b, s, stale, kept, other);
      const updated = { ...kept, ...s.patch };
      const added = inG(g1);
      await apply(b, mutation.replaceForGuild(s.resource as never, g1, [updated, added] as never));
      await expectAbsent(b, s, stale, 'a stale child after replaceForGuild');
      await expectValue(b, s, updated, 'a replaced child after replaceForGuild');
      await expectValue(b, s, added, 'a new child after replaceForGuild');
      await expectValue(b, s, other, "another guild's child after replaceForGuild");
      await expectIter(b, s, undefined, undefined, [updated, added, other], 'after replaceForGuild');
      if (!refs) return;
      await expectIter(b, s, 'guild', g1, [updated, added], 'after replaceForGuild');
      await expectIter(b, s, 'guild', g2, [other], 'after replaceForGuild');
      // The other indexes must drop the stale entry too (e.g. members-for-user).
      for (const scope of s.scopes.filter((sc) => sc !== 'guild')) {
        const id = scopeOf(s, scope, stale);
        if (id !== undefined) await expectIter(b, s, scope, id, [], `for the stale child's ${scope} after replaceForGuild`);
        const addedId = scopeOf(s, scope, added);
        if (addedId !== undefined) await expectIter(b, s, scope, addedId, [added], `for the new child's ${scope} after replaceForGuild`);
      }
    });

    test(`replaceForGuild(${s.resource}) with no values empties that guild only`, async (h) => {
      const b = await h.open();
      const g1 = h.id();
      const g2 = h.id();
      const a = s.build(h.parents({ guildId: g1 }));
      const other = s.build(h.parents({ guildId: g2 }));
      await put(b, s, a, other);
      await apply(b, mutation.replaceForGuild(s.resource as never, g1, []));
      await expectAbsent(b, s, a, 'after replaceForGuild with []');
      await expectValue(b, s, other, "another guild's child after replaceForGuild with []");
    });
  }
}

/** The same entry (same key) with one parent id changed, rebuilt so nested ids (e.g. a message's channel) stay consistent. */
export function rebuildUnder(s: ResourceSpec, value: Entity, field: keyof Parents, parent: Snowflake): Entity {
  const v = value as unknown as Record<string, unknown>;
  switch (field) {
    case 'guildId':
      return { ...v, guild_id: parent } as unknown as Entity;
    case 'channelId':
      return { ...v, channel_id: parent } as unknown as Entity;
    default: {
      // A message's author / an invite's inviter: replace the embedded user.
      const key = s.resource === 'message' ? 'author' : 'inviter';
      const embedded = v[key] as Record<string, unknown>;
      return { ...v, [key]: { ...embedded, id: parent } } as unknown as Entity;
    }
  }
}
