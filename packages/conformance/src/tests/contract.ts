/**
 * The points of the contract that backends used to disagree on, each decided
 * in `@sake/abc`'s TSDoc and checked here for every resource:
 *
 * - a removal (every `clear…`, `clear…For…`, `clearFor`, delete and
 *   `replaceForGuild`) leaves no index entry behind: the entry set again
 *   under other parents is found under those only;
 * - `ttlMs` is defined for messages, invites and users only, `channelLimit`
 *   for messages only: anywhere else a `TypeError` before any I/O;
 * - a merge that creates an entry fills in the key fields its patch leaves
 *   out; a patch that contradicts its key is a `TypeError` before any I/O.
 */
import { ClosedClient, mutation } from '@sake/abc';
import type { Mutation, Snowflake } from '@sake/abc';
import { rejects } from '../assert.js';
import { apply, call } from '../calls.js';
import type { GroupContext, Harness } from '../harness.js';
import type { ConformanceBackend } from '../options.js';
import { clearName, deleteName, isKeyScope, keyArgs, keyOfEntity, parentField, scopeOf } from '../specs.js';
import type { Entity, ResourceSpec, Scope } from '../specs.js';
import { expectAbsent, expectIter, expectValue, put, setOf } from './ops.js';
import { rebuildUnder } from './scopes.js';

/** One way to remove an entry `value` (under parents it was built with). */
interface Removal {
  readonly name: string;
  remove(b: object, value: Entity): Promise<unknown>;
}

/** Every way the standard offers to remove an entry of `s` (the scoped ones only with `refs`). */
function removals(s: ResourceSpec, refs: boolean): Removal[] {
  const id = (scope: Scope, v: Entity): Snowflake => scopeOf(s, scope, v) ?? '0';
  const out: Removal[] = [
    { name: `${clearName(s)}()`, remove: (b) => call(b, clearName(s)) },
    { name: `${deleteName(s)}()`, remove: (b, v) => call(b, deleteName(s), ...keyArgs(keyOfEntity(s, v))) },
    { name: 'a delete mutation', remove: (b, v) => apply(b, mutation.delete(s.resource, keyOfEntity(s, v))) },
  ];
  for (const scope of refs ? s.scopes : []) {
    out.push({ name: `${clearName(s, scope)}()`, remove: (b, v) => call(b, clearName(s, scope), id(scope, v)) });
    out.push({
      name: `a clearFor(${scope}) mutation`,
      remove: (b, v) => apply(b, { type: 'clearFor', resource: s.resource, scope, id: id(scope, v) } as Mutation),
    });
  }
  if (s.guildChild) {
    out.push({
      name: 'a replaceForGuild mutation without it',
      remove: (b, v) => apply(b, { type: 'replaceForGuild', resource: s.resource, guildId: id('guild', v), values: [] } as Mutation),
    });
  }
  return out;
}

/** The same entry (same key) with every parent that is not part of its key replaced by a fresh id. */
function movedEverywhere<B extends ConformanceBackend>(h: Harness<B>, s: ResourceSpec, value: Entity): Entity {
  let moved = value;
  for (const scope of s.scopes) if (!isKeyScope(s, scope)) moved = rebuildUnder(s, moved, parentField(scope), h.id());
  return moved;
}

/** Register the removal-leaves-no-index tests of `s` (they read the parent indexes: `refs` only). */
export function removalTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  if (!ctx.options.refs || s.scopes.length === 0) return;
  for (const removal of removals(s, true)) {
    ctx.test(`after ${removal.name}, the same ${s.resource} set under other parents is indexed under those only`, async (h) => {
      const b = await h.open();
      const before = s.build(h.parents());
      await put(b, s, before);
      await removal.remove(b, before);
      await expectAbsent(b, s, before, `after ${removal.name}`);
      const after = movedEverywhere(h, s, before);
      await put(b, s, after);
      for (const scope of s.scopes) {
        const oldId = scopeOf(s, scope, before);
        const newId = scopeOf(s, scope, after);
        if (oldId === undefined || newId === undefined) continue;
        const what = `after ${removal.name} and a set of the same key under other parents`;
        // A parent that is part of the key can't change: the entry is back under it, once.
        if (oldId !== newId) await expectIter(b, s, scope, oldId, [], `(its old ${scope}) ${what}`);
        await expectIter(b, s, scope, newId, [after], `(its ${oldId === newId ? '' : 'new '}${scope}) ${what}`);
      }
      await expectIter(b, s, undefined, undefined, [after], `after ${removal.name} and a set of the same key`);
    });
  }
}

/** A set and a merge-upsert of `value` carrying `options`. */
function withOptions(s: ResourceSpec, value: Entity, options: { ttlMs?: number; channelLimit?: number }): Mutation[] {
  return [setOf(s, value, options), mutation.merge(s.resource, keyOfEntity(s, value), value, true, options)];
}

/** Register the `ttlMs` / `channelLimit` scope tests of `s`. */
export function lifetimeTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  const misplaced: Array<{ option: string; options: { ttlMs?: number; channelLimit?: number } }> = [];
  if (!s.ttl) misplaced.push({ option: 'ttlMs', options: { ttlMs: 60_000 } });
  if (s.resource !== 'message') misplaced.push({ option: 'channelLimit', options: { channelLimit: 5 } });
  for (const { option, options } of misplaced) {
    ctx.test(`${option} on ${s.resource} sets and merges is rejected with TypeError before any I/O (it means nothing there)`, async (h) => {
      const closed = await h.closed();
      for (const m of withOptions(s, s.build(h.parents()), options)) {
        await rejects(() => apply(closed, m), TypeError, `apply([${m.type} ${s.resource} with ${option}]) on a closed backend`, ClosedClient);
      }
      const b = await h.open();
      const good = s.build(h.parents());
      for (const m of withOptions(s, s.build(h.parents()), options)) {
        await rejects(() => apply(b, setOf(s, good), m), TypeError, `apply([set ${s.resource}, ${m.type} ${s.resource} with ${option}])`);
      }
      await expectAbsent(b, s, good, `set in a batch rejected for its ${option}`);
    });
  }
}

/** `value` without the fields that carry its key's ids (a member or presence keeps the rest of its user, maybe `{}`). */
function withoutKeyFields(s: ResourceSpec, value: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(value as unknown as Record<string, unknown>) };
  switch (s.resource) {
    case 'member':
    case 'presence': {
      const { id: _id, ...user } = out.user as Record<string, unknown>;
      delete out.guild_id;
      out.user = user;
      break;
    }
    case 'voiceState':
      delete out.guild_id;
      delete out.user_id;
      break;
    case 'invite':
      delete out.code;
      break;
    default:
      delete out.id;
  }
  return out;
}

/** Patches that each contradict the key of an entry of `s` in one key field (`other` is an entry with another key). */
function contradictions(s: ResourceSpec, other: Entity): Array<{ field: string; patch: Record<string, unknown> }> {
  const o = other as unknown as Record<string, unknown> & { user?: Record<string, unknown> };
  switch (s.resource) {
    case 'member':
    case 'presence':
      return [
        { field: 'guild_id', patch: { guild_id: o.guild_id } },
        { field: 'user.id', patch: { user: { ...o.user } } },
      ];
    case 'voiceState':
      return [
        { field: 'guild_id', patch: { guild_id: o.guild_id } },
        { field: 'user_id', patch: { user_id: o.user_id } },
      ];
    case 'invite':
      return [{ field: 'code', patch: { code: o.code } }];
    default:
      return [{ field: 'id', patch: { id: o.id } }];
  }
}

/** Register the merge key-field tests of `s`. */
export function mergeKeyTests<B extends ConformanceBackend>(ctx: GroupContext<B>, s: ResourceSpec): void {
  const { test } = ctx;

  test(`merge with upsert fills in the key fields its ${s.resource} patch leaves out`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents());
    await apply(b, mutation.merge(s.resource, keyOfEntity(s, value), withoutKeyFields(s, value), true));
    await expectValue(b, s, value, 'created by a merge with upsert whose patch has no key fields');
    await expectIter(b, s, undefined, undefined, [value], 'after a merge with upsert whose patch has no key fields');
    for (const scope of ctx.options.refs ? s.scopes : []) {
      const id = scopeOf(s, scope, value);
      if (id !== undefined) await expectIter(b, s, scope, id, [value], 'after a merge with upsert whose patch has no key fields');
    }
  });

  test(`a merge into an existing ${s.resource} whose patch leaves out its key fields keeps them`, async (h) => {
    const b = await h.open();
    const value = s.build(h.parents());
    await put(b, s, value);
    const merged = { ...value, ...s.patch };
    await apply(b, mutation.merge(s.resource, keyOfEntity(s, value), withoutKeyFields(s, merged), false));
    await expectValue(b, s, merged, 'after a merge whose patch has no key fields');
    for (const scope of ctx.options.refs ? s.scopes : []) {
      const id = scopeOf(s, scope, value);
      if (id !== undefined) await expectIter(b, s, scope, id, [merged], 'after a merge whose patch has no key fields');
    }
  });

  if (s.resource === 'presence') {
    test('a merge into an existing presence whose patch has no user keeps its stored user, fields and all', async (h) => {
      const b = await h.open();
      const built = s.build(h.parents()) as unknown as Record<string, unknown> & { user: Record<string, unknown> };
      const value = { ...built, user: { ...built.user, username: 'stored' } } as unknown as Entity;
      await put(b, s, value);
      await apply(b, mutation.merge(s.resource, keyOfEntity(s, value), { status: 'online' } as never, false));
      await expectValue(b, s, { ...value, status: 'online' } as Entity, 'after a merge without a user');
    });
  }

  test(`a merge of ${s.resource} whose patch contradicts its key is rejected with TypeError before any I/O`, async (h) => {
    const closed = await h.closed();
    const b = await h.open();
    const value = s.build(h.parents());
    const fresh = s.build(h.parents());
    await put(b, s, value);
    for (const { field, patch } of contradictions(s, s.build(h.parents()))) {
      for (const upsert of [false, true]) {
        const merge = mutation.merge(s.resource, keyOfEntity(s, value), patch, upsert);
        const what = `merge ${s.resource} (upsert ${upsert}) with another ${field}`;
        await rejects(() => apply(closed, merge), TypeError, `apply([${what}]) on a closed backend`, ClosedClient);
        await rejects(() => apply(b, setOf(s, fresh), merge), TypeError, `apply([set, ${what}])`);
      }
    }
    await expectValue(b, s, value, 'after merges contradicting its key were rejected');
    await expectAbsent(b, s, fresh, 'set in batches rejected for a contradicting merge');
  });
}
